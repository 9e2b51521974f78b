// CommonJS users: require() of the ESM-only @cybernetic/wasm, which Node
// loads through require(esm) (unflagged since Node 20.19 and 22.12).
const wasm = require('@cybernetic/wasm')
process.stdout.write(`${JSON.stringify({ createRuntime: typeof wasm.createRuntime })}\n`)

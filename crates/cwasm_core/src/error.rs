//! The errors every operation of this crate returns, as data.

use std::fmt;

/// One frame of a wasm backtrace, innermost first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// Index of the function in its module.
    pub func_index: u32,
    /// The function's name from the name section, demangled, if any.
    pub func_name: Option<String>,
    /// The module's name from the name section, if any.
    pub module_name: Option<String>,
    /// Byte offset of the instruction in the module, if known.
    pub module_offset: Option<u64>,
}

/// What was wrong with one import during linking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkProblem {
    /// Nothing was provided under this module/name.
    Missing,
    /// Something was provided, but of the wrong kind or type.
    Incompatible,
}

/// One import that could not be satisfied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkIssue {
    /// The import's module name.
    pub module: String,
    /// The import's field name.
    pub name: String,
    /// Missing or incompatible.
    pub problem: LinkProblem,
    /// The type the module expects, in text form.
    pub expected: String,
    /// The type that was provided, when something was.
    pub actual: Option<String>,
}

/// Why an AOT artifact was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArtifactProblem {
    /// The bytes do not start with our artifact header.
    NotAnArtifact,
    /// The artifact format version is not the one this build writes.
    WrongVersion,
    /// The artifact was compiled by an engine with another config or Wasmtime.
    IncompatibleEngine,
    /// The artifact's signature does not match: corrupt, truncated, or made
    /// with another key.
    BadSignature,
    /// The artifact is signed by a key this runtime does not trust.
    UntrustedKey,
    /// The artifact holds another module than the one asked for (a cache
    /// entry swapped for another module's).
    WrongModule,
}

impl ArtifactProblem {
    /// A stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ArtifactProblem::NotAnArtifact => "not_an_artifact",
            ArtifactProblem::WrongVersion => "wrong_version",
            ArtifactProblem::IncompatibleEngine => "incompatible_engine",
            ArtifactProblem::BadSignature => "bad_signature",
            ArtifactProblem::UntrustedKey => "untrusted_key",
            ArtifactProblem::WrongModule => "wrong_module",
        }
    }
}

/// Every failure of this crate. Each variant maps to one error class in JS.
#[derive(Clone, Debug, PartialEq)]
pub enum Error {
    /// The module failed to parse or validate.
    Compile {
        /// The validator's or parser's message.
        message: String,
        /// Byte offset of the problem in the binary, when known.
        offset: Option<u64>,
        /// 1-based line in WAT text, when the input was text.
        line: Option<u32>,
        /// 1-based column in WAT text, when the input was text.
        column: Option<u32>,
    },
    /// Imports could not be resolved.
    Link {
        /// Summary message.
        message: String,
        /// Each missing or mismatched import.
        issues: Vec<LinkIssue>,
    },
    /// The guest trapped.
    Trap {
        /// Stable trap code, see [`crate::all_trap_codes`].
        code: &'static str,
        /// Wasmtime's message.
        message: String,
        /// The wasm backtrace, innermost first.
        frames: Vec<Frame>,
    },
    /// A host function reported a failure.
    Host {
        /// What the host function said.
        message: String,
        /// An id the host uses to find its original error again.
        payload: Option<u32>,
        /// The wasm backtrace at the host call.
        frames: Vec<Frame>,
    },
    /// A wasm exception escaped the call (WebAssembly 3.0 `throw` with no
    /// handler): the exception object is rooted for the host under `exn`
    /// (see [`crate::Store::exception_parts`]).
    Exception {
        /// What to tell the user.
        message: String,
        /// Id of the exception object in the store's GC root table.
        exn: u64,
        /// The payload as the host can read it without the store (whose
        /// exception object ends with a one-shot call): per tag parameter,
        /// its type and, for a number or vector, its 16-byte slot (`None`
        /// for a reference, which only the store can hand out).
        values: Vec<(String, Option<[u8; 16]>)>,
        /// The wasm backtrace where it was thrown, when known.
        frames: Vec<Frame>,
    },
    /// The call ran out of fuel.
    FuelExhausted {
        /// The wasm backtrace where fuel ran out.
        frames: Vec<Frame>,
    },
    /// The call passed its deadline.
    Timeout {
        /// The deadline that passed, in milliseconds.
        limit_ms: u64,
    },
    /// The call was cancelled.
    Cancelled,
    /// The guest called WASI's `proc_exit`: for a command this is how it
    /// ends (0 is success), for any other call it ends the call early.
    Exit {
        /// The exit code the guest gave (0..=125).
        code: i32,
    },
    /// A memory, table or instance limit was exceeded.
    MemoryLimit {
        /// What was exceeded.
        message: String,
    },
    /// An AOT artifact was refused before anything was deserialized.
    Artifact {
        /// Why.
        problem: ArtifactProblem,
        /// Human-readable detail.
        message: String,
    },
    /// A value passed in cannot be used (wrong type, out of range, unknown name).
    InvalidArgument {
        /// What was wrong and what to do.
        message: String,
    },
    /// The store is being used by another call right now.
    Busy {
        /// Detail.
        message: String,
    },
    /// A bytes call broke the `allocate` convention (see [`crate::Store::call_bytes`]):
    /// no `allocate` or `memory` export, or a pointer or length outside the memory.
    Abi {
        /// What was wrong.
        message: String,
    },
    /// An internal invariant broke: a bug in this crate.
    Bug {
        /// Detail.
        message: String,
    },
}

impl Error {
    /// A stable snake_case kind, matching a JS error class.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Compile { .. } => "compile",
            Error::Link { .. } => "link",
            Error::Trap { .. } => "trap",
            Error::Host { .. } => "host",
            Error::Exception { .. } => "exception",
            Error::FuelExhausted { .. } => "fuel_exhausted",
            Error::Timeout { .. } => "timeout",
            Error::Cancelled => "cancelled",
            Error::Exit { .. } => "exit",
            Error::MemoryLimit { .. } => "memory_limit",
            Error::Artifact { .. } => "artifact",
            Error::InvalidArgument { .. } => "invalid_argument",
            Error::Busy { .. } => "busy",
            Error::Abi { .. } => "abi",
            Error::Bug { .. } => "bug",
        }
    }

    /// The message, without the kind.
    pub fn message(&self) -> String {
        match self {
            Error::Compile { message, .. }
            | Error::Link { message, .. }
            | Error::Trap { message, .. }
            | Error::Host { message, .. }
            | Error::Exception { message, .. }
            | Error::MemoryLimit { message }
            | Error::Artifact { message, .. }
            | Error::InvalidArgument { message }
            | Error::Busy { message }
            | Error::Abi { message }
            | Error::Bug { message } => message.clone(),
            Error::FuelExhausted { .. } => {
                "the call used up its fuel; raise the fuel budget or find the loop that does not end".into()
            }
            Error::Timeout { limit_ms } => {
                format!("the call ran past its deadline of {limit_ms} ms; raise the time limit or make the guest do less per call")
            }
            Error::Cancelled => "the call was cancelled by its AbortSignal".into(),
            Error::Exit { code } => format!("the guest exited with code {code}"),
        }
    }

    /// The backtrace, where the error has one.
    pub fn frames(&self) -> &[Frame] {
        match self {
            Error::Trap { frames, .. }
            | Error::Host { frames, .. }
            | Error::Exception { frames, .. }
            | Error::FuelExhausted { frames } => frames,
            _ => &[],
        }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Error {
        Error::InvalidArgument { message: message.into() }
    }

    pub(crate) fn bug(message: impl Into<String>) -> Error {
        Error::Bug { message: message.into() }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind(), self.message())
    }
}

impl std::error::Error for Error {}

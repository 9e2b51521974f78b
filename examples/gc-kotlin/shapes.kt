// Shapes: a small Kotlin/Wasm WASI command that exercises the GC and
// exception handling proposals. Each command-line argument is a shape
// ("rect X Y W H" or "square SIDE"); anything else is reported and skipped.
import kotlin.wasm.ExperimentalWasmInterop
import kotlin.wasm.WasmImport
import kotlin.wasm.unsafe.Pointer
import kotlin.wasm.unsafe.UnsafeWasmMemoryApi
import kotlin.wasm.unsafe.withScopedMemoryAllocator

data class Point(val x: Int, val y: Int)

sealed class Shape {
    abstract fun area(): Long
}

data class Rect(val corner: Point, val w: Int, val h: Int) : Shape() {
    override fun area(): Long = w.toLong() * h
}

data class Square(val side: Int) : Shape() {
    override fun area(): Long = side.toLong() * side
}

class InvalidShape(message: String) : Exception(message)

fun parse(spec: String): Shape {
    val parts = spec.split(' ').filter { it.isNotEmpty() }
    fun int(i: Int): Int = parts.getOrNull(i)?.toIntOrNull() ?: throw InvalidShape("'$spec': field ${i} is not a number")
    return when (parts.firstOrNull()) {
        "rect" -> Rect(Point(int(1), int(2)), int(3), int(4))
        "square" -> Square(int(1))
        else -> throw InvalidShape("'$spec': unknown shape")
    }
}

@OptIn(ExperimentalWasmInterop::class)
@WasmImport("wasi_snapshot_preview1", "args_sizes_get")
private external fun argsSizesGet(argc: Int, bufSize: Int): Int

@OptIn(ExperimentalWasmInterop::class)
@WasmImport("wasi_snapshot_preview1", "args_get")
private external fun argsGet(argv: Int, buf: Int): Int

/** The command line without argv[0], read with WASI's args_get. */
@OptIn(UnsafeWasmMemoryApi::class)
fun arguments(): List<String> = withScopedMemoryAllocator { alloc ->
    val sizes = alloc.allocate(8)
    check(argsSizesGet(sizes.address.toInt(), (sizes + 4).address.toInt()) == 0)
    val argc = sizes.loadInt()
    val size = (sizes + 4).loadInt()
    val argv = alloc.allocate(4 * argc + 4)
    val buf = alloc.allocate(size + 1)
    check(argsGet(argv.address.toInt(), buf.address.toInt()) == 0)
    (1 until argc).map { i ->
        val start = Pointer((argv + 4 * i).loadInt().toUInt())
        var n = 0
        while ((start + n).loadByte() != 0.toByte()) n++
        ByteArray(n) { (start + it).loadByte() }.decodeToString()
    }
}

fun main() {
    val specs = arguments().ifEmpty { listOf("rect 0 0 3 4", "square 5", "circle 2", "rect 1 2 10 20") }
    val shapes = mutableListOf<Shape>()
    for (spec in specs) {
        try {
            shapes.add(parse(spec))
        } catch (e: InvalidShape) {
            println("skipped ${e.message}")
        }
    }
    val sb = StringBuilder()
    for (s in shapes) sb.append(s).append(" area=").append(s.area()).append('\n')
    print(sb)
    println("by area: ${shapes.sortedByDescending { it.area() }.map { it::class.simpleName }}")
    println("total area: ${shapes.fold(0L) { acc, s -> acc + s.area() }}")
    println("distinct: ${shapes.toSet().size} of ${shapes.size}")
}

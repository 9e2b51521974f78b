/*
 * parse — branchy, parser-like kernel: a validating JSON tokenizer/parser
 * (strings with escapes and \uXXXX, integer/fraction/exponent numbers, literals,
 * nested objects/arrays checked by an explicit state machine and stack) run over
 * a 128 KiB generated document.
 *
 *   uint32_t run(uint32_t n)
 *     n = number of parse passes over the document. The document is regenerated
 *     from a fixed seed on every call (cheap next to the passes). Each pass
 *     seeds its hash with the pass index, so passes cannot be merged. Returns
 *     the combined hash of every token, value and structural event.
 *
 * Integer-only (numbers are parsed to mantissa/exponent, not to double), so
 * the result is identical on every target.
 */
#include <stdint.h>

#define DOC_CAP (128u * 1024u)
#define MAX_DEPTH 64

static uint8_t doc[DOC_CAP];
static uint32_t doc_len;
static uint32_t last_errors; /* errors seen by the last pass (0 for the generated document) */

/* ---------------------------------------------------------------- generator */

static uint32_t rng;
static uint32_t next_rand(void) {
    rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5;
    return rng;
}
static uint32_t below(uint32_t k) { return next_rand() % k; }

static uint32_t pos;
static void put(uint8_t c) { doc[pos++] = c; }
static void puts_(const char *s) { while (*s) doc[pos++] = (uint8_t)*s++; }
static void ws(void) {
    uint32_t r = below(8);
    if (r == 0) put(' ');
    else if (r == 1) { put('\n'); put(' '); put(' '); }
}
static void put_uint(uint32_t v) {
    char tmp[10];
    int k = 0;
    do { tmp[k++] = (char)('0' + v % 10u); v /= 10u; } while (v);
    while (k) put((uint8_t)tmp[--k]);
}
static void put_number(void) {
    if (below(3) == 0) put('-');
    uint32_t kind = below(4);
    put_uint(kind == 0 ? below(10) : next_rand() >> (kind * 6));
    if (below(2)) { put('.'); put_uint(below(1000000)); }
    if (below(5) == 0) {
        put(below(2) ? 'e' : 'E');
        uint32_t s = below(3);
        if (s == 1) put('-'); else if (s == 2) put('+');
        put_uint(below(300));
    }
}
static const char *const words[8] = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"};
static void put_string(void) {
    put('"');
    uint32_t parts = 1 + below(4);
    for (uint32_t i = 0; i < parts; i++) {
        if (i) put(below(4) ? ' ' : '_');
        puts_(words[below(8)]);
        uint32_t e = below(16);
        if (e == 0) { put('\\'); put('"'); }
        else if (e == 1) { put('\\'); put('\\'); }
        else if (e == 2) { put('\\'); put('n'); }
        else if (e == 3) { put('\\'); put('t'); }
        else if (e == 4) {
            static const char hex[] = "0123456789abcdef";
            uint32_t cp = 0x20 + below(0x2fe0);
            puts_("\\u");
            put((uint8_t)hex[(cp >> 12) & 15]); put((uint8_t)hex[(cp >> 8) & 15]);
            put((uint8_t)hex[(cp >> 4) & 15]); put((uint8_t)hex[cp & 15]);
        }
    }
    put('"');
}
static void put_record(uint32_t id) {
    put('{'); ws();
    puts_("\"id\":"); put_uint(id); put(','); ws();
    puts_("\"name\":"); ws(); put_string(); put(','); ws();
    puts_("\"score\":"); put_number(); put(','); ws();
    puts_("\"tags\":["); ws();
    uint32_t nt = below(5);
    for (uint32_t i = 0; i < nt; i++) { if (i) { put(','); ws(); } put_string(); }
    put(']'); put(','); ws();
    puts_("\"active\":"); puts_(below(2) ? "true" : "false"); put(','); ws();
    puts_("\"parent\":");
    if (below(3) == 0) puts_("null"); else put_uint(below(id + 1));
    put(','); ws();
    puts_("\"pos\":{\"x\":"); put_number(); puts_(",\"y\":"); put_number();
    if (below(4) == 0) { puts_(",\"hist\":[["); put_number(); put(','); put_number(); puts_("],[]]"); }
    put('}'); ws();
    put('}');
}
static void generate(void) {
    rng = 0x6b43a9b5u;
    pos = 0;
    put('[');
    uint32_t id = 0;
    while (pos < DOC_CAP - 1024) {
        if (id) { put(','); ws(); }
        put_record(id++);
    }
    put(']'); put('\n');
    doc_len = pos;
}

/* ------------------------------------------------------------------- parser */

enum {
    S_VALUE,          /* expect any value */
    S_VALUE_OR_CLOSE, /* just after '[' */
    S_KEY_OR_CLOSE,   /* just after '{' */
    S_KEY,            /* after ',' inside an object */
    S_COLON,          /* after a key */
    S_COMMA_OR_CLOSE, /* after a value inside a container */
    S_DONE            /* top-level value complete */
};

#define MIX(h, v) ((h) = ((h) ^ (uint32_t)(v)) * 16777619u)

static uint32_t parse_pass(uint32_t seed) {
    uint8_t stack[MAX_DEPTH];
    int depth = 0;
    int state = S_VALUE;
    uint32_t h = 2166136261u ^ seed;
    uint32_t errors = 0, values = 0;
    const uint8_t *p = doc, *end = doc + doc_len;

    while (p < end) {
        uint8_t c = *p;
        if (c == ' ' || c == '\n' || c == '\t' || c == '\r') { p++; continue; }

        int completed = 0; /* a value or key finished at this token */
        int is_key = 0;

        if (state == S_COLON) {
            if (c == ':') { p++; state = S_VALUE; continue; }
            errors++; p++; continue;
        }
        if (state == S_COMMA_OR_CLOSE) {
            if (c == ',') {
                p++;
                state = stack[depth - 1] == '{' ? S_KEY : S_VALUE;
                continue;
            }
            if ((c == ']' && stack[depth - 1] == '[') || (c == '}' && stack[depth - 1] == '{')) {
                p++;
                MIX(h, c + depth * 256);
                depth--;
                state = depth ? S_COMMA_OR_CLOSE : S_DONE;
                continue;
            }
            errors++; p++; continue;
        }
        if (state == S_DONE) { errors++; p++; continue; }

        if (state == S_KEY_OR_CLOSE || state == S_KEY) {
            if (c == '}' && state == S_KEY_OR_CLOSE) {
                p++;
                MIX(h, c + depth * 256);
                depth--;
                state = depth ? S_COMMA_OR_CLOSE : S_DONE;
                continue;
            }
            if (c != '"') { errors++; p++; continue; }
            is_key = 1;
        } else if (state == S_VALUE_OR_CLOSE && c == ']') {
            p++;
            MIX(h, c + depth * 256);
            depth--;
            state = depth ? S_COMMA_OR_CLOSE : S_DONE;
            continue;
        }

        /* state is S_VALUE / S_VALUE_OR_CLOSE (value) or a key string. */
        switch (c) {
        case '{':
        case '[':
            p++;
            if (depth == MAX_DEPTH) { errors++; continue; }
            stack[depth++] = c;
            MIX(h, c + depth * 256);
            state = c == '{' ? S_KEY_OR_CLOSE : S_VALUE_OR_CLOSE;
            continue;
        case '"': {
            p++;
            uint32_t sh = 5381u, len = 0;
            for (;;) {
                if (p >= end) { errors++; break; }
                uint8_t d = *p++;
                if (d == '"') break;
                if (d == '\\') {
                    if (p >= end) { errors++; break; }
                    uint8_t e = *p++;
                    uint32_t cp;
                    switch (e) {
                    case '"': cp = '"'; break;
                    case '\\': cp = '\\'; break;
                    case '/': cp = '/'; break;
                    case 'b': cp = 8; break;
                    case 'f': cp = 12; break;
                    case 'n': cp = 10; break;
                    case 'r': cp = 13; break;
                    case 't': cp = 9; break;
                    case 'u': {
                        cp = 0;
                        for (int k = 0; k < 4; k++) {
                            uint8_t x = p < end ? *p++ : 0;
                            uint32_t v;
                            if (x >= '0' && x <= '9') v = x - '0';
                            else if (x >= 'a' && x <= 'f') v = x - 'a' + 10;
                            else if (x >= 'A' && x <= 'F') v = x - 'A' + 10;
                            else { errors++; v = 0; }
                            cp = cp * 16u + v;
                        }
                        break;
                    }
                    default: errors++; cp = e; break;
                    }
                    /* Count the UTF-8 length the code point would occupy. */
                    len += cp < 0x80 ? 1u : cp < 0x800 ? 2u : 3u;
                    sh = sh * 33u + cp;
                } else if (d < 0x20) {
                    errors++;
                } else {
                    len++;
                    sh = sh * 33u + d;
                }
            }
            MIX(h, sh);
            MIX(h, len | (is_key ? 0x80000000u : 0u));
            completed = 1;
            break;
        }
        case '-': case '0': case '1': case '2': case '3': case '4':
        case '5': case '6': case '7': case '8': case '9': {
            int neg = 0;
            if (c == '-') { neg = 1; p++; }
            uint64_t mant = 0;
            int32_t exp10 = 0, digits = 0;
            if (p < end && *p == '0') { p++; digits = 1; }
            else {
                while (p < end && *p >= '0' && *p <= '9') {
                    if (mant < 1000000000000000000ull) mant = mant * 10u + (uint64_t)(*p - '0');
                    else exp10++;
                    p++; digits++;
                }
            }
            if (!digits) { errors++; break; }
            if (p < end && *p == '.') {
                p++;
                int fd = 0;
                while (p < end && *p >= '0' && *p <= '9') {
                    if (mant < 1000000000000000000ull) { mant = mant * 10u + (uint64_t)(*p - '0'); exp10--; }
                    p++; fd++;
                }
                if (!fd) errors++;
            }
            if (p < end && (*p == 'e' || *p == 'E')) {
                p++;
                int eneg = 0;
                if (p < end && (*p == '+' || *p == '-')) { eneg = *p == '-'; p++; }
                int32_t e = 0, ed = 0;
                while (p < end && *p >= '0' && *p <= '9') {
                    if (e < 100000) e = e * 10 + (*p - '0');
                    p++; ed++;
                }
                if (!ed) errors++;
                exp10 += eneg ? -e : e;
            }
            /* Normalize: strip trailing zeros so 1.50 and 1.5 hash alike. */
            while (mant && mant % 10u == 0) { mant /= 10u; exp10++; }
            MIX(h, (uint32_t)mant);
            MIX(h, (uint32_t)(mant >> 32));
            MIX(h, (uint32_t)exp10 ^ (neg ? 0x40000000u : 0u));
            completed = 1;
            break;
        }
        case 't':
            if (end - p >= 4 && p[1] == 'r' && p[2] == 'u' && p[3] == 'e') { p += 4; MIX(h, 1); completed = 1; }
            else { errors++; p++; }
            break;
        case 'f':
            if (end - p >= 5 && p[1] == 'a' && p[2] == 'l' && p[3] == 's' && p[4] == 'e') { p += 5; MIX(h, 2); completed = 1; }
            else { errors++; p++; }
            break;
        case 'n':
            if (end - p >= 4 && p[1] == 'u' && p[2] == 'l' && p[3] == 'l') { p += 4; MIX(h, 3); completed = 1; }
            else { errors++; p++; }
            break;
        default:
            errors++;
            p++;
            break;
        }

        if (completed) {
            if (is_key) {
                state = S_COLON;
            } else {
                values++;
                state = depth ? S_COMMA_OR_CLOSE : S_DONE;
            }
        }
    }
    if (state != S_DONE || depth != 0) errors++;
    last_errors = errors;
    MIX(h, values);
    MIX(h, errors * 0x9e3779b9u);
    return h;
}

uint32_t run(uint32_t n) {
    generate();
    uint32_t acc = doc_len;
    for (uint32_t i = 0; i < n; i++) acc = (acc << 7 | acc >> 25) ^ parse_pass(i);
    return acc;
}

#ifdef PARSE_SELFTEST
/* gcc -DPARSE_SELFTEST parse.c && ./a.out : the generated document must parse
   without errors, and corrupting it must produce errors. */
#include <stdio.h>
int main(void) {
    generate();
    uint32_t a = parse_pass(0), e0 = last_errors;
    doc[doc_len / 2] = '}';
    parse_pass(0);
    uint32_t e1 = last_errors;
    printf("doc_len=%u hash=%08x errors=%u corrupted_errors=%u\n", doc_len, a, e0, e1);
    return !(e0 == 0 && e1 > 0);
}
#endif

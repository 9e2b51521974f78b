//! Every WASI preview 1 function, grouped by the capability it needs.
//!
//! This table is the one place that says which capability a function needs
//! and how it is judged: the linker's per-call checks read it, and the host
//! (through [`wasi_functions`]) uses it to refuse a module at load in strict
//! mode and to name the grant each import would need.

/// The import module name of WASI preview 1.
pub const WASI_MODULE: &str = "wasi_snapshot_preview1";

/// What a WASI function needs to be allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Capability {
    /// Reading files and directories through a preopen.
    FsRead,
    /// Creating, changing or removing files and directories through a read-write preopen.
    FsWrite,
    /// The environment (`environ_get`, `environ_sizes_get`). Without a grant
    /// the guest sees an empty environment (audited), as `wasmtime run` gives
    /// without `--env`, instead of an error wasi-libc would exit on.
    Env,
    /// The command line (`args_get`, `args_sizes_get`): always allowed; without a
    /// grant the guest sees only `argv[0]`.
    Args,
    /// Clocks (`clock_time_get`, `clock_res_get`).
    Clock,
    /// Random bytes (`random_get`).
    Random,
    /// Exiting, yielding, raising a signal: always allowed.
    Proc,
    /// Waiting on clocks and descriptors (`poll_oneoff`).
    Poll,
    /// Sockets: never granted (preview 1 cannot grant them safely).
    Sockets,
}

impl Capability {
    /// The stable kebab-case name used in audit records and errors.
    pub fn as_str(self) -> &'static str {
        match self {
            Capability::FsRead => "fs-read",
            Capability::FsWrite => "fs-write",
            Capability::Env => "env",
            Capability::Args => "args",
            Capability::Clock => "clock",
            Capability::Random => "random",
            Capability::Proc => "proc",
            Capability::Poll => "poll",
            Capability::Sockets => "sockets",
        }
    }
}

/// When a function's capability is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Judged {
    /// Never refused: `args_*` and `proc_*`.
    Always,
    /// By its capability alone: refused at load in strict mode, stubbed with
    /// `ERRNO_NOTCAPABLE` in permissive mode.
    ByCapability,
    /// By the descriptor it acts on, at each call: stdio by the stdio grant,
    /// files and directories by the preopen they came from. Never refused at load.
    PerDescriptor,
}

/// One WASI preview 1 function.
#[derive(Clone, Copy, Debug)]
pub struct WasiFunction {
    /// Its import name.
    pub name: &'static str,
    /// The capability it belongs to.
    pub capability: Capability,
    /// When that capability is checked.
    pub judged: Judged,
    /// Argument index of the descriptor it acts on, if any.
    pub fd_arg: Option<usize>,
    /// Argument indices of (pointer, length) of the path it names, if any.
    pub path_args: Option<(usize, usize)>,
}

const fn f(name: &'static str, capability: Capability, judged: Judged, fd_arg: Option<usize>, path_args: Option<(usize, usize)>) -> WasiFunction {
    WasiFunction { name, capability, judged, fd_arg, path_args }
}

use Capability::*;
use Judged::*;

/// Every function of `wasi_snapshot_preview1`, in the specification's order.
pub static WASI_FUNCTIONS: [WasiFunction; 46] = [
    f("args_get", Args, Always, None, None),
    f("args_sizes_get", Args, Always, None, None),
    f("environ_get", Env, ByCapability, None, None),
    f("environ_sizes_get", Env, ByCapability, None, None),
    f("clock_res_get", Clock, ByCapability, None, None),
    f("clock_time_get", Clock, ByCapability, None, None),
    f("fd_advise", FsRead, PerDescriptor, Some(0), None),
    f("fd_allocate", FsWrite, PerDescriptor, Some(0), None),
    f("fd_close", FsRead, PerDescriptor, Some(0), None),
    f("fd_datasync", FsWrite, PerDescriptor, Some(0), None),
    f("fd_fdstat_get", FsRead, PerDescriptor, Some(0), None),
    f("fd_fdstat_set_flags", FsWrite, PerDescriptor, Some(0), None),
    f("fd_fdstat_set_rights", FsRead, PerDescriptor, Some(0), None),
    f("fd_filestat_get", FsRead, PerDescriptor, Some(0), None),
    f("fd_filestat_set_size", FsWrite, PerDescriptor, Some(0), None),
    f("fd_filestat_set_times", FsWrite, PerDescriptor, Some(0), None),
    f("fd_pread", FsRead, PerDescriptor, Some(0), None),
    f("fd_prestat_get", FsRead, PerDescriptor, Some(0), None),
    f("fd_prestat_dir_name", FsRead, PerDescriptor, Some(0), None),
    f("fd_pwrite", FsWrite, PerDescriptor, Some(0), None),
    f("fd_read", FsRead, PerDescriptor, Some(0), None),
    f("fd_readdir", FsRead, PerDescriptor, Some(0), None),
    f("fd_renumber", FsRead, PerDescriptor, Some(0), None),
    f("fd_seek", FsRead, PerDescriptor, Some(0), None),
    f("fd_sync", FsWrite, PerDescriptor, Some(0), None),
    f("fd_tell", FsRead, PerDescriptor, Some(0), None),
    f("fd_write", FsWrite, PerDescriptor, Some(0), None),
    f("path_create_directory", FsWrite, ByCapability, Some(0), Some((1, 2))),
    f("path_filestat_get", FsRead, ByCapability, Some(0), Some((2, 3))),
    f("path_filestat_set_times", FsWrite, ByCapability, Some(0), Some((2, 3))),
    f("path_link", FsWrite, ByCapability, Some(0), Some((2, 3))),
    f("path_open", FsRead, ByCapability, Some(0), Some((2, 3))),
    f("path_readlink", FsRead, ByCapability, Some(0), Some((1, 2))),
    f("path_remove_directory", FsWrite, ByCapability, Some(0), Some((1, 2))),
    f("path_rename", FsWrite, ByCapability, Some(0), Some((1, 2))),
    f("path_symlink", FsWrite, ByCapability, Some(2), Some((3, 4))),
    f("path_unlink_file", FsWrite, ByCapability, Some(0), Some((1, 2))),
    f("poll_oneoff", Poll, ByCapability, None, None),
    f("proc_exit", Proc, Always, None, None),
    f("proc_raise", Proc, Always, None, None),
    f("sched_yield", Proc, Always, None, None),
    f("random_get", Random, ByCapability, None, None),
    f("sock_accept", Sockets, ByCapability, Some(0), None),
    f("sock_recv", Sockets, ByCapability, Some(0), None),
    f("sock_send", Sockets, ByCapability, Some(0), None),
    f("sock_shutdown", Sockets, ByCapability, Some(0), None),
];

/// Every WASI preview 1 function with its capability.
///
/// # Examples
///
/// ```
/// let open = cwasm_core::wasi_functions().iter().find(|f| f.name == "path_open").unwrap();
/// assert_eq!(open.capability.as_str(), "fs-read");
/// ```
pub fn wasi_functions() -> &'static [WasiFunction] {
    &WASI_FUNCTIONS
}

/// The function of this name, if WASI preview 1 has one.
pub(crate) fn lookup(name: &str) -> Option<&'static WasiFunction> {
    WASI_FUNCTIONS.iter().find(|f| f.name == name)
}

/// WASI errno values this crate returns or looks for.
pub mod errno {
    /// No error.
    pub const SUCCESS: i32 = 0;
    /// Permission denied.
    pub const ACCES: i32 = 2;
    /// Bad file descriptor.
    pub const BADF: i32 = 8;
    /// File too large: an output cap was reached.
    pub const FBIG: i32 = 22;
    /// Bad address.
    pub const FAULT: i32 = 21;
    /// Invalid argument.
    pub const INVAL: i32 = 28;
    /// Too many levels of symbolic links.
    pub const LOOP: i32 = 32;
    /// Not enough space: a call moved more bytes than the host allows.
    pub const NOMEM: i32 = 48;
    /// Operation not permitted.
    pub const PERM: i32 = 63;
    /// Read-only file system.
    pub const ROFS: i32 = 69;
    /// Capabilities insufficient.
    pub const NOTCAPABLE: i32 = 76;

    /// The errno's name as wasi-libc spells it, lowercase without the prefix
    /// (`notcapable`), or its number.
    pub fn name(e: i32) -> String {
        const NAMES: [&str; 77] = [
            "success", "2big", "acces", "addrinuse", "addrnotavail", "afnosupport", "again", "already", "badf", "badmsg",
            "busy", "canceled", "child", "connaborted", "connrefused", "connreset", "deadlk", "destaddrreq", "dom", "dquot",
            "exist", "fault", "fbig", "hostunreach", "idrm", "ilseq", "inprogress", "intr", "inval", "io", "isconn", "isdir",
            "loop", "mfile", "mlink", "msgsize", "multihop", "nametoolong", "netdown", "netreset", "netunreach", "nfile",
            "nobufs", "nodev", "noent", "noexec", "nolck", "nolink", "nomem", "nomsg", "noprotoopt", "nospc", "nosys",
            "notconn", "notdir", "notempty", "notrecoverable", "notsock", "notsup", "notty", "nxio", "overflow", "ownerdead",
            "perm", "pipe", "proto", "protonosupport", "prototype", "range", "rofs", "spipe", "srch", "stale", "timedout",
            "txtbsy", "xdev", "notcapable",
        ];
        usize::try_from(e).ok().and_then(|i| NAMES.get(i)).map_or_else(|| e.to_string(), |n| (*n).to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_every_preview1_function_once() {
        let mut names: Vec<&str> = WASI_FUNCTIONS.iter().map(|f| f.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 46);
    }

    #[test]
    fn errno_names_follow_the_specification_numbering() {
        assert_eq!(errno::name(errno::NOTCAPABLE), "notcapable");
        assert_eq!(errno::name(errno::PERM), "perm");
        assert_eq!(errno::name(errno::ROFS), "rofs");
        assert_eq!(errno::name(errno::LOOP), "loop");
        assert_eq!(errno::name(errno::FBIG), "fbig");
        assert_eq!(errno::name(44), "noent");
        assert_eq!(errno::name(999), "999");
    }
}

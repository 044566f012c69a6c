//! Process hardening applied before anything else: no core dumps, so a crash cannot write
//! keys or plaintext from memory to disk.

/// Disable core dumps for this process (Linux: RLIMIT_CORE = 0 and not dumpable, which also
/// keeps other processes of the same user from reading our memory through ptrace).
pub fn no_core_dumps() {
    #[cfg(target_os = "linux")]
    {
        // Failure here is not fatal (a container may forbid it) but is never silent.
        if nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_CORE, 0, 0).is_err() {
            eprintln!("khronika: warning: could not disable core dumps");
        }
        if nix::sys::prctl::set_dumpable(false).is_err() {
            eprintln!("khronika: warning: could not mark the process as not dumpable");
        }
    }
}

//! Shared helpers: an isolated environment per test, running the real binary, checking a
//! refusal, snapshotting a folder, and making test data.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use sha2::{Digest, Sha256};
use tempfile::TempDir;

/// The passphrase of every test vault.
pub const PASS: &str = "correct horse battery staple";

/// The binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_khronika"))
}

/// One test's private world: a temporary folder holding HOME, the XDG folders, TMPDIR,
/// an `inputs` folder for files to add, and (usually) the vault at `vault`.
pub struct Env {
    dir: TempDir,
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::Builder::new()
            .prefix("khronika-it-")
            .tempdir()
            .expect("create a temporary folder");
        for d in ["home", "data", "cache", "config", "tmp", "inputs"] {
            std::fs::create_dir(dir.path().join(d)).expect("create a folder");
        }
        Env { dir }
    }

    /// A path inside the temporary folder.
    pub fn path(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// The default vault of most tests (given with `--vault`).
    pub fn vault(&self) -> PathBuf {
        self.path("vault")
    }

    /// Write an input file under `inputs/` and return its path.
    pub fn input(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.path("inputs").join(name);
        std::fs::write(&p, bytes).expect("write an input file");
        p
    }

    /// The binary, with a clean environment pointing every per-user folder into this test.
    pub fn cmd(&self) -> Cmd {
        self.cmd_via(&bin(), &[])
    }

    /// `program pre_args...` followed by the command's own arguments, in this environment.
    /// Used to run the binary under `setpriv`.
    pub fn cmd_via(&self, program: &Path, pre_args: &[&OsStr]) -> Cmd {
        let mut c = Command::new(program);
        c.args(pre_args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.path("home"))
            .env("XDG_DATA_HOME", self.path("data"))
            .env("XDG_CACHE_HOME", self.path("cache"))
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("TMPDIR", self.path("tmp"))
            .stdin(Stdio::null());
        Cmd(c)
    }

    /// `khronika --vault VAULT ...` with the right passphrase in the environment.
    pub fn k(&self, args: &[&str]) -> Cmd {
        self.cmd().vault(&self.vault()).args(args).pass(PASS)
    }

    /// Create the vault at [`Env::vault`]; returns the recovery key.
    pub fn init(&self) -> String {
        let out = self.k(&["init"]).run().ok();
        recovery_key(&out.stdout())
    }

    /// Add files to the vault; returns their evidence ids in order.
    pub fn add(&self, files: &[PathBuf]) -> Vec<String> {
        let out = self
            .cmd()
            .vault(&self.vault())
            .arg("add")
            .args(files)
            .pass(PASS)
            .run()
            .ok();
        let ids: Vec<String> = out
            .stdout()
            .lines()
            .map(|l| l.split_whitespace().next().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(ids.len(), files.len(), "one id per file: {out:?}");
        ids
    }
}

/// The recovery key in `init`'s text output.
pub fn recovery_key(stdout: &str) -> String {
    let keys: Vec<&str> = stdout
        .split_whitespace()
        .filter(|w| w.starts_with("KR1-"))
        .collect();
    assert_eq!(keys.len(), 1, "one recovery key in {stdout:?}");
    let k = keys[0];
    assert!(
        k.len() > 40
            && k[4..]
                .bytes()
                .all(|b| b == b'-' || b.is_ascii_uppercase() || b.is_ascii_digit()),
        "recovery key looks wrong: {k}"
    );
    k.to_owned()
}

/// A command being built.
pub struct Cmd(Command);

impl Cmd {
    pub fn arg(mut self, a: impl AsRef<OsStr>) -> Cmd {
        self.0.arg(a);
        self
    }

    pub fn args<I, S>(mut self, a: I) -> Cmd
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.0.args(a);
        self
    }

    pub fn vault(self, v: &Path) -> Cmd {
        self.arg("--vault").arg(v)
    }

    /// Give the passphrase through `KHRONIKA_PASSPHRASE`.
    pub fn env(mut self, k: &str, v: impl AsRef<OsStr>) -> Cmd {
        self.0.env(k, v);
        self
    }

    pub fn pass(mut self, p: &str) -> Cmd {
        self.0.env("KHRONIKA_PASSPHRASE", p);
        self
    }

    /// Run to completion.
    pub fn run(self) -> Out {
        self.spawn().wait()
    }

    /// Run with `input` on standard input.
    pub fn run_with_stdin(mut self, input: &[u8]) -> Out {
        use std::io::Write;
        self.0.stdin(Stdio::piped());
        let mut r = self.spawn();
        let mut stdin = r.child.stdin.take().expect("stdin is piped");
        stdin.write_all(input).expect("write to stdin");
        drop(stdin);
        r.wait()
    }

    /// Start with standard output piped and standard error captured, for tests that read
    /// the output while the command runs.
    pub fn spawn_piped(mut self) -> std::process::Child {
        self.0
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the binary")
    }

    /// Start, to run several at once.
    pub fn spawn(mut self) -> Running {
        let desc = format!("{:?}", self.0);
        let child = self
            .0
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {desc}: {e}"));
        Running { child, desc }
    }
}

/// A started command.
pub struct Running {
    child: std::process::Child,
    desc: String,
}

impl Running {
    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    pub fn wait(self) -> Out {
        let o = self
            .child
            .wait_with_output()
            .unwrap_or_else(|e| panic!("waiting for {}: {e}", self.desc));
        Out {
            code: o
                .status
                .code()
                .unwrap_or_else(|| panic!("{} died from a signal: {:?}", self.desc, o.status)),
            stdout: o.stdout,
            stderr: String::from_utf8(o.stderr).expect("stderr is UTF-8"),
            desc: self.desc,
        }
    }
}

/// Run commands a few at a time side by side (each unlock spends a while in Argon2 with
/// 64 MiB, so not all at once); outputs in order.
pub fn run_all(cmds: Vec<Cmd>) -> Vec<Out> {
    const AT_ONCE: usize = 4;
    let mut outs = Vec::with_capacity(cmds.len());
    let mut cmds = cmds.into_iter().peekable();
    while cmds.peek().is_some() {
        let running: Vec<Running> = cmds.by_ref().take(AT_ONCE).map(Cmd::spawn).collect();
        outs.extend(running.into_iter().map(Running::wait));
    }
    outs
}

/// What a finished command did.
pub struct Out {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
    desc: String,
}

impl std::fmt::Debug for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "\n  command: {}\n  exit: {}\n  stdout: {:?}\n  stderr: {:?}",
            self.desc,
            self.code,
            String::from_utf8_lossy(&self.stdout[..self.stdout.len().min(4000)]),
            self.stderr
        )
    }
}

impl Out {
    /// Assert success.
    pub fn ok(self) -> Out {
        assert_eq!(self.code, 0, "expected success: {self:?}");
        self
    }

    /// Standard output as text.
    pub fn stdout(&self) -> String {
        String::from_utf8(self.stdout.clone())
            .unwrap_or_else(|_| panic!("stdout is not UTF-8: {self:?}"))
    }

    /// Standard output as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:?}"))
    }

    /// Assert a refusal: this exit status, and standard error is exactly one line that
    /// starts with `khronika: ` and contains every fragment.
    pub fn refused(&self, code: i32, fragments: &[&str]) {
        assert_eq!(self.code, code, "wrong exit status: {self:?}");
        let line = self
            .stderr
            .strip_suffix('\n')
            .unwrap_or_else(|| panic!("stderr does not end with a newline: {self:?}"));
        assert!(
            !line.contains('\n') && line.starts_with("khronika: "),
            "stderr is not one `khronika: ` line: {self:?}"
        );
        for f in fragments {
            assert!(line.contains(f), "stderr does not say {f:?}: {self:?}");
        }
    }
}

/// One node of a folder tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Dir { mode: u32 },
    File { mode: u32, bytes: Vec<u8> },
    Other,
}

/// Every path under `root` (relative; `""` is `root` itself) with its kind, mode and bytes.
/// Empty if `root` does not exist.
pub fn snapshot(root: &Path) -> BTreeMap<PathBuf, Node> {
    let mut out = BTreeMap::new();
    if std::fs::symlink_metadata(root).is_ok() {
        walk(root, Path::new(""), &mut out);
    }
    out
}

fn mode(m: &std::fs::Metadata) -> u32 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        m.permissions().mode()
    }
    #[cfg(not(unix))]
    {
        u32::from(m.permissions().readonly())
    }
}

fn walk(root: &Path, rel: &Path, out: &mut BTreeMap<PathBuf, Node>) {
    // `root.join("")` would add a trailing slash, which fails on a file.
    let full = if rel.as_os_str().is_empty() {
        root.to_path_buf()
    } else {
        root.join(rel)
    };
    let meta = std::fs::symlink_metadata(&full).expect("stat");
    if meta.is_dir() {
        out.insert(rel.to_path_buf(), Node::Dir { mode: mode(&meta) });
        for e in std::fs::read_dir(&full).expect("list a folder") {
            let e = e.expect("folder entry");
            walk(root, &rel.join(e.file_name()), out);
        }
    } else if meta.is_file() {
        let bytes = std::fs::read(&full).expect("read a file");
        out.insert(
            rel.to_path_buf(),
            Node::File {
                mode: mode(&meta),
                bytes,
            },
        );
    } else {
        out.insert(rel.to_path_buf(), Node::Other);
    }
}

/// Assert that a folder is exactly as snapshotted, naming the first difference.
pub fn assert_unchanged(root: &Path, before: &BTreeMap<PathBuf, Node>, after_what: &Out) {
    let after = snapshot(root);
    if &after == before {
        return;
    }
    let mut diffs = Vec::new();
    for (p, n) in before {
        match after.get(p) {
            None => diffs.push(format!("removed {}", p.display())),
            Some(m) if m != n => diffs.push(format!("changed {}", p.display())),
            _ => {}
        }
    }
    for p in after.keys().filter(|p| !before.contains_key(*p)) {
        diffs.push(format!("added {}", p.display()));
    }
    panic!(
        "{} changed: {}\nafter: {after_what:?}",
        root.display(),
        diffs.join(", ")
    );
}

/// Every regular file under `root`, relative, sorted.
pub fn files_under(root: &Path) -> Vec<PathBuf> {
    snapshot(root)
        .into_iter()
        .filter(|(_, n)| matches!(n, Node::File { .. }))
        .map(|(p, _)| p)
        .collect()
}

/// Copy a folder tree (files and folders).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create a folder");
    for e in std::fs::read_dir(from).expect("list a folder") {
        let e = e.expect("folder entry");
        let t = e.file_type().expect("file type");
        if t.is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).expect("copy a file");
        }
    }
}

/// Flip the low bit of one byte of a file.
pub fn flip_byte(path: &Path, offset: usize) {
    let mut b = std::fs::read(path).expect("read a file to damage");
    b[offset] ^= 0x01;
    std::fs::write(path, b).expect("write a damaged file");
}

/// Lower-case hex SHA-256.
pub fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Raw SHA-256.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// Deterministic pseudo-random bytes (xorshift64*), incompressible enough for a vault.
pub fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        out.extend_from_slice(&x.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    out.truncate(len);
    out
}

/// True if this process runs as root (a file it creates is owned by uid 0).
#[cfg(unix)]
pub fn is_root(env: &Env) -> bool {
    use std::os::unix::fs::MetadataExt;
    let p = env.path("whoami");
    std::fs::write(&p, b"").expect("write a probe file");
    let uid = std::fs::metadata(&p).expect("stat the probe").uid();
    std::fs::remove_file(&p).expect("remove the probe");
    uid == 0
}

/// Set a file's or folder's permission bits.
#[cfg(unix)]
pub fn chmod(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

//! `scripts/install` as an administrator runs it on Debian, into a copy of
//! the test's Debian root (Debian's own asterisk.conf, directories and
//! ownerships), then Asterisk started in that copy as the `asterisk` user,
//! as Debian's service does: the installed configuration is readable and the
//! module loads with it; a file Asterisk cannot read is reported as such.
//!
//! The copy shares the root's unchanged files by hard link; every directory
//! is its own, and whatever the install or Asterisk writes to is copied, so
//! the root itself is never changed. It is removed when the test ends, pass
//! or fail, and copies left by a killed run are removed by the next one.

use grouppickup_testkit as support;

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

const PREFIX: &str = "install-test-";

/// Where the install and Asterisk write in a Debian root, besides the
/// module directory: copied, not linked, into the copy.
const WRITTEN: [&str; 6] = [
    "etc/asterisk",
    "var/lib/asterisk",
    "var/log/asterisk",
    "var/spool/asterisk",
    "var/cache/asterisk",
    "usr/share/asterisk/documentation",
];

/// Asterisk's module directory in the root (Debian's multiarch one).
fn moddir() -> String {
    std::env::var("GP_ASTERISK_MODDIR")
        .unwrap_or_else(|_| "/usr/lib/x86_64-linux-gnu/asterisk/modules".into())
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("running {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The test's Debian root, or None when Asterisk runs on the host itself
/// (there is no root to copy then).
fn source_root() -> Option<PathBuf> {
    let root = PathBuf::from(
        std::env::var("GP_ASTERISK_ROOT").unwrap_or_else(|_| "/var/cache/grouppickup/sid".into()),
    );
    if root == Path::new("/") {
        eprintln!("GP_ASTERISK_ROOT is the host itself: no Debian root to install into, skipped");
        return None;
    }
    assert!(
        root.join("usr/sbin/asterisk").is_file(),
        "no Asterisk in {}: run scripts/setup first",
        root.display()
    );
    Some(root)
}

/// A copy of a Debian root, and the Asterisk running in it; both gone on drop.
struct RootCopy {
    path: PathBuf,
    asterisk: Option<Child>,
}

impl RootCopy {
    fn new(source: &Path) -> RootCopy {
        let parent = source.parent().expect("the root has a parent directory");
        remove_stale_copies(parent);
        let path = parent.join(format!("{PREFIX}{}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir(&path).unwrap();
        let copy = RootCopy {
            path,
            asterisk: None,
        };
        for entry in fs::read_dir(source).unwrap() {
            let name = entry.unwrap().file_name();
            // tmp holds the other tests' Asterisk instances, which come and go.
            if ["tmp", "proc", "sys"].iter().any(|n| name == *n) {
                fs::create_dir(copy.path.join(&name)).unwrap();
                continue;
            }
            run(Command::new("cp")
                .arg("-al")
                .arg(source.join(&name))
                .arg(&copy.path));
        }
        fs::set_permissions(copy.path.join("tmp"), fs::Permissions::from_mode(0o1777)).unwrap();
        let moddir = moddir();
        for dir in WRITTEN.into_iter().chain([moddir.trim_start_matches('/')]) {
            if source.join(dir).exists() {
                fs::remove_dir_all(copy.path.join(dir)).unwrap();
                run(Command::new("cp")
                    .arg("-a")
                    .arg(source.join(dir))
                    .arg(copy.path.join(dir)));
            }
        }
        copy
    }

    fn host(&self, inside: &str) -> PathBuf {
        self.path.join(inside.trim_start_matches('/'))
    }

    fn asterisk_cmd(&self) -> Command {
        let mut cmd = Command::new("chroot");
        cmd.arg(&self.path).arg("/usr/sbin/asterisk");
        cmd
    }

    fn try_cli(&self, command: &str) -> Result<String, String> {
        let out = self
            .asterisk_cmd()
            .args(["-rx", command])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    fn cli(&self, command: &str) -> String {
        self.try_cli(command)
            .unwrap_or_else(|e| panic!("CLI '{command}' failed: {e}"))
    }

    fn console_log(&self) -> String {
        fs::read_to_string(self.host("/tmp/console.log")).unwrap_or_default()
    }

    /// Debian's messages.log (notice, warning, error).
    fn log(&self) -> String {
        fs::read_to_string(self.host("/var/log/asterisk/messages.log")).unwrap_or_default()
    }

    fn wait_log(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let log = self.log();
            if log.contains(needle) {
                return log;
            }
            assert!(
                Instant::now() < deadline,
                "'{needle}' not in the log:\n{}",
                support::tail(&log, 30)
            );
            sleep(Duration::from_millis(100));
        }
    }

    /// Starts Asterisk as Debian's service does: as root, dropping to the
    /// asterisk user and group (-U, -G) once it has read asterisk.conf.
    fn start_asterisk(&mut self, uid: u32, gid: u32) {
        // systemd's RuntimeDirectory= makes this for the service.
        let run_dir = self.host("/run/asterisk");
        fs::create_dir_all(&run_dir).unwrap();
        std::os::unix::fs::chown(&run_dir, Some(uid), Some(gid)).unwrap();
        let log = fs::File::create(self.host("/tmp/console.log")).unwrap();
        let child = self
            .asterisk_cmd()
            .args(["-f", "-n", "-U", "asterisk", "-G", "asterisk"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("starting asterisk");
        self.asterisk = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if self
                .try_cli("core waitfullybooted")
                .is_ok_and(|o| o.contains("fully booted"))
            {
                return;
            }
            if let Some(Ok(Some(status))) = self.asterisk.as_mut().map(Child::try_wait) {
                panic!(
                    "asterisk exited during start ({status}):\n{}",
                    self.console_log()
                );
            }
            assert!(
                Instant::now() < deadline,
                "asterisk did not finish booting in 60 s:\n{}",
                self.console_log()
            );
            sleep(Duration::from_millis(100));
        }
    }

    /// The user id Asterisk runs as (chroot execs it in its own place).
    fn asterisk_uid(&self) -> u32 {
        let pid = self.asterisk.as_ref().unwrap().id();
        let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|u| u.parse().ok())
            .expect("Uid: in /proc/<pid>/status")
    }
}

impl Drop for RootCopy {
    fn drop(&mut self) {
        if let Some(mut child) = self.asterisk.take() {
            let _ = self.try_cli("core stop now");
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline && !matches!(child.try_wait(), Ok(Some(_))) {
                sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::env::var_os("GP_KEEP").is_none() {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

/// Copies whose test process is gone (killed before its Drop ran).
fn remove_stale_copies(parent: &Path) {
    for entry in fs::read_dir(parent).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name.strip_prefix(PREFIX) else {
            continue;
        };
        if pid.parse::<u32>().is_ok() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// The uid and gid of `name` in a root's /etc/passwd.
fn passwd_ids(root: &Path, name: &str) -> (u32, u32) {
    let passwd = fs::read_to_string(root.join("etc/passwd")).unwrap();
    passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.first() == Some(&name))
        .map(|f| (f[2].parse().unwrap(), f[3].parse().unwrap()))
        .unwrap_or_else(|| panic!("no user {name} in the root's /etc/passwd"))
}

fn install(destdir: &Path) -> Output {
    run(
        Command::new(Path::new(support::REPO).join("scripts/install"))
            .env("DESTDIR", destdir)
            .stdin(Stdio::null()),
    )
}

#[test]
fn installs_readable_by_asterisk_and_reports_an_unreadable_file() {
    let Some(source) = source_root() else {
        return;
    };
    let mut copy = RootCopy::new(&source);
    let (uid, gid) = passwd_ids(&copy.path, "asterisk");
    let etc = fs::metadata(copy.host("/etc/asterisk")).unwrap();
    assert_eq!((etc.uid(), etc.gid()), (uid, gid), "Debian's /etc/asterisk");

    let out = install(&copy.path);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let conf = copy.host("/etc/asterisk/grouppickup.conf");
    let meta = fs::metadata(&conf).unwrap();
    assert_eq!(
        (meta.uid(), meta.gid(), meta.mode() & 0o7777),
        (uid, gid, 0o640),
        "{stdout}"
    );
    // Debian's asterisk.conf names the multiarch module directory.
    assert!(
        copy.host(&format!("{}/app_grouppickup.so", moddir()))
            .is_file(),
        "{stdout}"
    );
    assert!(copy
        .host("/usr/share/asterisk/documentation/thirdparty/grouppickup-en_US.xml")
        .is_file());

    // Only what this test looks at: Debian's modules.conf loads everything,
    // hardware and network services included.
    fs::write(
        copy.host("/etc/asterisk/modules.conf"),
        "[modules]\nautoload = no\nload = pbx_config.so\nload = app_grouppickup.so\n",
    )
    .unwrap();
    copy.start_asterisk(uid, gid);
    assert_eq!(copy.asterisk_uid(), uid, "Asterisk runs as asterisk");
    let module = copy.cli("module show like app_grouppickup");
    assert!(
        module.contains("app_grouppickup.so") && module.contains("Running"),
        "{module}\n{}",
        support::tail(&copy.log(), 20)
    );
    let ranges = copy.cli("grouppickup show ranges");
    assert!(ranges.contains("redmond-pickup"), "{ranges}");

    // A file only root can read: Asterisk, running as asterisk, cannot.
    std::os::unix::fs::chown(&conf, Some(0), Some(0)).unwrap();
    fs::set_permissions(&conf, fs::Permissions::from_mode(0o600)).unwrap();
    let unreadable = "grouppickup: /etc/asterisk/grouppickup.conf: the file cannot be read: \
                      Permission denied (os error 13); it must be readable by the user Asterisk runs as";
    copy.cli("module reload app_grouppickup.so");
    let log = copy.wait_log("the running configuration stays in force");
    assert!(log.contains(unreadable), "{}", support::tail(&log, 20));
    assert!(!log.contains("missing"), "{}", support::tail(&log, 20));
    assert!(copy
        .cli("grouppickup show ranges")
        .contains("redmond-pickup"));

    copy.cli("module unload app_grouppickup.so");
    let _ = copy.try_cli("module load app_grouppickup.so");
    let log = copy.wait_log("the module is not loaded");
    assert_eq!(
        log.matches(unreadable).count(),
        2,
        "{}",
        support::tail(&log, 20)
    );
}

/// Removes a directory on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

#[test]
fn without_asterisk_conf_it_says_so_and_uses_debians_directories() {
    let dir = TempDir(std::env::temp_dir().join(format!("{PREFIX}{}-empty", std::process::id())));
    let _ = fs::remove_dir_all(&dir.0);
    fs::create_dir(&dir.0).unwrap();
    let out = install(&dir.0);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "no readable {}/etc/asterisk/asterisk.conf (Asterisk's own configuration): using the default directories",
            dir.0.display()
        )),
        "{stderr}"
    );
    let triplet = run(Command::new("gcc").arg("-dumpmachine")).stdout;
    let triplet = String::from_utf8_lossy(&triplet).trim().to_string();
    assert!(
        dir.0
            .join(format!(
                "usr/lib/{triplet}/asterisk/modules/app_grouppickup.so"
            ))
            .is_file(),
        "{stderr}"
    );
    let conf = fs::metadata(dir.0.join("etc/asterisk/grouppickup.conf")).unwrap();
    assert_eq!(conf.mode() & 0o7777, 0o640);
}

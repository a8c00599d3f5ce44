//! The sync token in a real platform keyring: a private D-Bus session bus with gnome-keyring's
//! Secret Service (Debian's `dbus-daemon` and `gnome-keyring`), started here, and a real sync
//! server on loopback. One test, alone in its binary: it points this process's D-Bus session
//! address at buses it starts and stops.
//!
//! Needs `dbus-daemon` and `gnome-keyring-daemon` (`bash scripts/setup.sh test` installs them);
//! without them the test says so and passes, unless `RIDERMAP_REQUIRE_KEYRING=1` (set by
//! scripts/test.sh) makes that a failure.

use std::{
    io::{BufRead, BufReader, Write},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use ridermap_core::{Grid, Id, Role, Stamp};
use ridermap_device::{Checksums, SyncError, Vault, kept_in, login, sync_once, token};
use ridermap_server::{Db, scratch::Served};
use ridermap_store::{Actor, Store};

fn tool(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?.to_str()?.split(':').map(|d| Path::new(d).join(name)).find(|p| p.is_file())
}

/// A session bus with no service directories (nothing is started on demand: a keyring that was
/// stopped stays stopped) and gnome-keyring's Secret Service on it, its login keyring unlocked.
struct Session {
    bus: Child,
    keyring: Option<Child>,
    address: String,
    dir: PathBuf,
}

impl Session {
    /// The bus alone: a session where no Secret Service answers.
    fn start(dir: &Path) -> Session {
        let socket = dir.join("bus");
        let config = dir.join("bus.conf");
        std::fs::write(
            &config,
            format!(
                r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>"#,
                socket.display()
            ),
        )
        .unwrap();
        let mut bus = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("dbus-daemon starts");
        // The daemon prints its address once it listens.
        let mut address = String::new();
        BufReader::new(bus.stdout.take().unwrap()).read_line(&mut address).unwrap();
        let address = address.trim().to_string();
        assert!(address.starts_with("unix:"), "dbus-daemon said {address:?}");
        Session { bus, keyring: None, address, dir: dir.to_path_buf() }
    }

    /// gnome-keyring's Secret Service on the bus, its login keyring made and unlocked.
    fn start_keyring(&mut self) {
        let home = self.dir.join("home");
        let runtime = self.dir.join("run");
        for d in [&home, &runtime] {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::set_permissions(&runtime, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
        let mut keyring = Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--components=secrets", "--unlock"])
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .env("HOME", &home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_RUNTIME_DIR", &runtime)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("gnome-keyring-daemon starts");
        // The login keyring's password, on stdin: it creates that keyring and unlocks it.
        keyring.stdin.take().unwrap().write_all(b"test-password").unwrap();
        self.keyring = Some(keyring);
    }

    /// Stop the keyring; the bus stays, so clients see a session without a Secret Service.
    fn stop_keyring(&mut self) {
        if let Some(mut k) = self.keyring.take() {
            k.kill().unwrap();
            k.wait().unwrap();
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.stop_keyring();
        self.bus.kill().ok();
        self.bus.wait().ok();
    }
}

fn use_bus(address: &str) {
    // SAFETY: this binary's only test sets it before any thread of its own reads the environment;
    // the server's threads never read it. (libdbus reads it once per process: set it once.)
    unsafe { std::env::set_var("DBUS_SESSION_BUS_ADDRESS", address) };
}

/// Waits until the Secret Service on the session bus takes and gives back a secret (it starts
/// in the background).
fn wait_for_secret_service() {
    let probe = keyring::Entry::new("ridermap-test", "probe").unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match probe.set_password("ready").and_then(|()| probe.get_password()) {
            Ok(v) if v == "ready" => return,
            result => {
                assert!(Instant::now() < deadline, "the Secret Service did not answer: {result:?}");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

fn enrol(served: &Served, store: &mut Store) {
    let code = served.db.create_invite(Role::GridWorker, &["g1".into()], &[]).unwrap();
    login(store, &served.url, &code, None).unwrap();
}

#[test]
fn the_token_lives_in_the_keyring_where_one_answers_else_in_the_store() {
    if let Some(missing) = ["dbus-daemon", "gnome-keyring-daemon"].into_iter().find(|t| tool(t).is_none()) {
        let required = std::env::var("RIDERMAP_REQUIRE_KEYRING").is_ok_and(|v| v == "1");
        assert!(!required, "{missing} is not installed (bash scripts/setup.sh test installs it)");
        eprintln!("skipped: {missing} is not installed (bash scripts/setup.sh test installs it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(Db::open(dir.path().join("server.sqlite")).unwrap());
    let me = Actor { name: None };
    let grid = |code: &str| Grid { id: Id::new(), code: code.into(), name: code.into(), stamp: Stamp::now() };

    // A session with no Secret Service (a server, a headless machine): the store keeps the token.
    let mut session = Session::start(dir.path());
    use_bus(&session.address);
    let mut plain = Store::open(dir.path().join("plain.sqlite")).unwrap();
    enrol(&served, &mut plain);
    assert_eq!(kept_in(&plain).unwrap(), Some(Vault::Store));
    assert_eq!(ridermap_device::status(&plain).unwrap().token_in, Some(Vault::Store));
    plain.put_grid(&grid("g1"), &me).unwrap();
    assert_eq!(sync_once(&mut plain, Checksums::Skip).unwrap().pushed, 1);

    // A desktop with a Secret Service: the token goes there, and the store file never holds it.
    session.start_keyring();
    wait_for_secret_service();
    let path = dir.path().join("desktop.sqlite");
    let mut desktop = Store::open(&path).unwrap();
    enrol(&served, &mut desktop);
    assert_eq!(kept_in(&desktop).unwrap(), Some(Vault::Keyring));
    let first = token(&desktop).unwrap().expect("a token");
    assert!(served.db.account(&first).unwrap().is_some(), "the server knows the token the keyring gives");
    assert_eq!(desktop.setting("sync_token").unwrap().as_deref(), Some(""));
    desktop.put_grid(&grid("g1"), &me).unwrap();
    assert_eq!(sync_once(&mut desktop, Checksums::Skip).unwrap().pushed, 1);
    let entry = desktop.setting("sync_token_in").unwrap().unwrap();
    drop(desktop);
    for file in std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().path()) {
        if file.to_string_lossy().contains("desktop.sqlite") {
            let bytes = std::fs::read(&file).unwrap();
            assert!(!bytes.windows(first.len()).any(|w| w == first.as_bytes()), "{} holds the token", file.display());
        }
    }

    // Enrolling again (a new invite) replaces the entry: the old token is no longer in the keyring.
    let mut desktop = Store::open(&path).unwrap();
    enrol(&served, &mut desktop);
    let second = token(&desktop).unwrap().expect("a token");
    assert_ne!(first, second);
    let old = keyring::Entry::new("ridermap-sync", entry.strip_prefix("keyring:").unwrap()).unwrap();
    assert!(matches!(old.get_password(), Err(keyring::Error::NoEntry)), "{:?}", old.get_password());

    // The keyring goes away: a round says where the token is and what to do, and the device
    // still counts as enrolled (nothing was forgotten).
    session.stop_keyring();
    let err = sync_once(&mut desktop, Checksums::Skip).unwrap_err();
    let SyncError::Keyring(message) = &err else { panic!("{err:?}") };
    assert!(message.contains("keyring") && message.contains("log in again"), "{message}");
    assert!(ridermap_device::status(&desktop).unwrap().enrolled);
    assert_eq!(ridermap_device::status(&desktop).unwrap().last_error.as_deref(), Some(message.as_str()));
}

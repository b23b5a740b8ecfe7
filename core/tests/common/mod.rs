//! Shared by the devnet integration tests: start the local network once per test binary.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

/// The running devnet: its control script and both RPC URLs.
pub struct Devnet {
    pub script: PathBuf,
    pub rpc1: String,
    pub rpc2: String,
}

/// Starts the devnet once per test binary (`scripts/devnet up` is idempotent and locked).
pub fn devnet() -> &'static Devnet {
    static DEVNET: OnceLock<Devnet> = OnceLock::new();
    DEVNET.get_or_init(|| {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/devnet");
        let out = Command::new("bash")
            .arg(&script)
            .arg("up")
            .output()
            .expect("run scripts/devnet up");
        assert!(
            out.status.success(),
            "scripts/devnet up failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let env = String::from_utf8_lossy(&out.stdout);
        let get = |k: &str| {
            env.lines()
                .find_map(|l| l.strip_prefix(&format!("{k}=")))
                .unwrap_or_else(|| panic!("{k} missing from devnet env: {env}"))
                .to_string()
        };
        Devnet {
            rpc1: get("MANTRA_RPC_1"),
            rpc2: get("MANTRA_RPC_2"),
            script,
        }
    })
}

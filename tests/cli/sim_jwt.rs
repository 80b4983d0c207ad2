//! `calltop sim jwt EXT`: the JWT of any user of the simulator, on stdout, with no
//! simulator running; a running `calltop sim` (another seed) logs it in as that user.

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

fn calltop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_calltop"))
        .args(args)
        .env("CALLTOP_LOG_DIR", std::env::temp_dir())
        .output()
        .expect("the binary runs")
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `calltop sim ARGS` running, and its banner's `key: value` lines.
struct Sim {
    child: std::process::Child,
    banner: Vec<(String, String)>,
}

impl Sim {
    fn start(args: &[&str]) -> Sim {
        let mut child = Command::new(env!("CARGO_BIN_EXE_calltop"))
            .arg("sim")
            .args(args)
            .env("CALLTOP_LOG_DIR", std::env::temp_dir())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut banner = Vec::new();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        for line in lines.by_ref() {
            let line = line.unwrap();
            if let Some((k, v)) = line.split_once(": ") {
                banner.push((k.trim().to_string(), v.trim().to_string()));
            }
            if line.starts_with("seed:") {
                break;
            }
        }
        // The rest of the banner is read too: a closed pipe would fail the simulator's
        // next write (it exited, and the test met a refused connection now and then).
        std::thread::spawn(move || lines.for_each(drop));
        Sim { child, banner }
    }

    fn get(&self, key: &str) -> &str {
        let (_, v) = self.banner.iter().find(|(k, _)| k == key).unwrap();
        v
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn sim_jwt_prints_a_jwt_a_running_simulator_logs_the_user_in_with() {
    let o = calltop(&["sim", "jwt", "102"]);
    assert!(o.status.success(), "{}", err(&o));
    let jwt = out(&o);
    assert_eq!(jwt.lines().count(), 1, "one line: {jwt}");
    let jwt = jwt.trim().to_string();
    assert_eq!(jwt.split('.').count(), 3, "{jwt}");
    // The same by extension id, and for every seed.
    assert_eq!(out(&calltop(&["sim", "jwt", "62242401016"])).trim(), jwt);
    assert_eq!(
        out(&calltop(&["sim", "--seed", "5", "jwt", "102"])).trim(),
        jwt
    );

    let sim = Sim::start(&["--seed", "31337", "--calls-per-minute", "0"]);
    assert_ne!(sim.get("jwt"), jwt, "the simulator prints the supervisor's");
    let r = reqwest::Client::new()
        .post(format!("{}/restapi/oauth/token", sim.get("server url")))
        .basic_auth(sim.get("client id"), Some(sim.get("client secret")))
        .form(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", jwt.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let t: serde_json::Value = r.json().await.unwrap();
    assert_eq!(t["owner_id"], "62242401016", "logged in as 102: {t}");
}

#[test]
fn sim_jwt_of_an_unknown_extension_is_one_line_and_a_failure() {
    // 199 is the directory's disabled former agent; 2001 a call queue.
    for ext in ["999", "199", "2001", "abc"] {
        let o = calltop(&["sim", "jwt", ext]);
        assert_ne!(o.status.code(), Some(0), "{ext}");
        assert_eq!(out(&o), "", "nothing on stdout for {ext}");
        let e = err(&o);
        assert_eq!(e.lines().count(), 1, "{e}");
        assert!(e.contains(ext) && e.contains("101-112"), "{e}");
    }
    // More users, more extensions.
    assert!(!calltop(&["sim", "jwt", "113"]).status.success());
    assert!(calltop(&["sim", "--extensions", "13", "jwt", "113"])
        .status
        .success());
}

//! Configuration end to end: a config resolved from a file or the environment reaches the real
//! local server over HTTP on loopback, and a wrong token is refused without being shown.

// Helpers outside #[test] functions unwrap too: a failed unwrap there is a failed test.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::HashMap;
use std::path::Path;

use iron_worker::config::Environment;
use iron_worker::{Client, Config, ConfigOptions, ErrorKind};
use iron_worker_server::{start_background, RunningServer, ServerConfig};
use serde_json::{json, Map};
use tempfile::TempDir;

const TOKEN: &str = "cfg-e2e-T0KEN-7f3a9b";
const WRONG_TOKEN: &str = "wrong-T0KEN-c4d2e1";
const PROJECT: &str = "4f32d521519cb67829000390";

/// A running local server, and a sandbox (cwd, home) to resolve configurations in.
struct Setup {
    server: RunningServer,
    dir: TempDir,
}

impl Setup {
    fn start() -> Setup {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("cwd")).unwrap();
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        let config = ServerConfig {
            port: 0,
            ..ServerConfig::new(dir.path().join("data"), TOKEN)
        };
        let server = start_background(config).unwrap();
        Setup { server, dir }
    }

    /// The server's host and port, from its `http://host:port` URL.
    fn host_port(&self) -> (String, u16) {
        let url = self.server.url();
        let rest = url.trim_start_matches("http://").trim_end_matches('/');
        let (host, port) = rest.rsplit_once(':').unwrap();
        (host.to_string(), port.parse().unwrap())
    }

    fn env(&self, vars: &[(&str, &str)]) -> Environment {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let root = self.dir.path();
        Environment::with_vars(vars, root.join("cwd"), Some(root.join("home")))
    }

    fn load(&self, file: Option<&Path>, env: &Environment) -> Config {
        let options = ConfigOptions::from_map(file.map(Path::to_path_buf), &Map::new()).unwrap();
        Config::load_in(&options, env).unwrap()
    }
}

#[test]
fn an_ini_config_file_reaches_the_local_server() {
    let setup = Setup::start();
    let (host, port) = setup.host_port();
    let ini = setup.dir.path().join("config.ini");
    let text = format!(
        "[iron_worker]\ntoken = {TOKEN}\nproject_id = {PROJECT}\n\
         protocol = http\nhost = {host}\nport = {port}\n"
    );
    std::fs::write(&ini, text).unwrap();

    let config = setup.load(Some(&ini), &setup.env(&[]));
    assert_eq!(config.base_url(), format!("http://{host}:{port}/2"));
    let client = Client::new(config).unwrap();

    let project = client.get_project_details().unwrap();
    assert_eq!(project["id"], json!(PROJECT), "{project}");
    client.get_codes(&Default::default()).unwrap();
}

#[test]
fn environment_and_home_json_reach_the_local_server() {
    let setup = Setup::start();
    let (host, port) = setup.host_port();
    let home_json = json!({"iron": {"host": host, "port": port, "scheme": "http"}});
    let home_file = setup.dir.path().join("home").join(".iron.json");
    std::fs::write(home_file, home_json.to_string()).unwrap();

    let port_text = port.to_string();
    let env = setup.env(&[
        ("IRON_TOKEN", TOKEN),
        ("IRON_WORKER_PROJECT_ID", PROJECT),
        ("IRON_PORT", &port_text),
    ]);
    let client = Client::new(setup.load(None, &env)).unwrap();

    let project = client.get_project_details().unwrap();
    assert_eq!(project["id"], json!(PROJECT), "{project}");
}

#[test]
fn a_wrong_token_from_the_environment_is_refused_and_never_shown() {
    let setup = Setup::start();
    let (host, port) = setup.host_port();
    let port_text = port.to_string();
    let env = setup.env(&[
        ("IRON_WORKER_TOKEN", WRONG_TOKEN),
        ("IRON_TOKEN", TOKEN),
        ("IRON_PROJECT_ID", PROJECT),
        ("IRON_HOST", &host),
        ("IRON_PORT", &port_text),
        ("IRON_PROTOCOL", "http"),
    ]);
    let config = setup.load(None, &env);
    assert!(!format!("{config:?}").contains(WRONG_TOKEN));
    let client = Client::new(config).unwrap();

    let err = client.get_project_details().unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Http, "{err}");
    assert_eq!(err.status(), Some(401), "{err}");
    assert!(
        !err.to_string().contains(WRONG_TOKEN),
        "token leaked: {err}"
    );
    assert!(
        !format!("{err:?}").contains(WRONG_TOKEN),
        "token leaked: {err:?}"
    );
}

//! Configuration: every source, its precedence, aliases, and the errors a user sees.
//!
//! Each test resolves against an injected environment: a fresh current directory and home
//! directory on disk, and a fixed set of environment variables.

// Helpers outside #[test] functions unwrap too: a failed unwrap there is a failed test.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use iron_worker::config::Environment;
use iron_worker::{Config, ConfigOptions, Error, ErrorKind};
use serde_json::{json, Map, Value};
use tempfile::TempDir;

const SECRET: &str = "SeCrEt-t0ken-9d8c7b6a";
const PROJECT: &str = "4f32d521519cb67829000390";

/// A sandbox: a current directory, a home directory and environment variables.
struct Sandbox {
    _root: TempDir,
    cwd: PathBuf,
    home: PathBuf,
    vars: HashMap<String, String>,
}

impl Sandbox {
    fn new() -> Self {
        let root = tempfile::tempdir().unwrap();
        let cwd = root.path().join("project");
        let home = root.path().join("home");
        fs::create_dir_all(&cwd).unwrap();
        fs::create_dir_all(&home).unwrap();
        Sandbox {
            _root: root,
            cwd,
            home,
            vars: HashMap::new(),
        }
    }

    fn var(&mut self, name: &str, value: &str) -> &mut Self {
        self.vars.insert(name.to_string(), value.to_string());
        self
    }

    fn cwd_file(&self, name: &str, text: &str) -> PathBuf {
        write(&self.cwd.join(name), text)
    }

    fn home_file(&self, name: &str, text: &str) -> PathBuf {
        write(&self.home.join(name), text)
    }

    fn env(&self) -> Environment {
        Environment::with_vars(self.vars.clone(), &self.cwd, Some(self.home.clone()))
    }

    fn load(&self, file: Option<&Path>, options: Value) -> iron_worker::Result<Config> {
        let options = ConfigOptions::from_map(file.map(Path::to_path_buf), &map(options))?;
        Config::load_in(&options, &self.env())
    }
}

fn write(path: &Path, text: &str) -> PathBuf {
    fs::write(path, text).unwrap();
    path.to_path_buf()
}

fn map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn creds() -> Value {
    json!({"token": SECRET, "project_id": PROJECT})
}

fn config_error(result: iron_worker::Result<Config>) -> String {
    let err = result.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config, "{err}");
    let text = err.to_string();
    assert!(!text.contains(SECRET), "token leaked: {text}");
    text
}

#[test]
fn defaults_apply_when_only_credentials_are_given() {
    let sandbox = Sandbox::new();

    let config = sandbox.load(None, creds()).unwrap();

    assert_eq!(config.token.expose(), SECRET);
    assert_eq!(config.project_id, PROJECT);
    assert_eq!(config.host, "worker-aws-us-east-1.iron.io");
    assert_eq!(config.protocol, "https");
    assert_eq!(config.port, 443);
    assert_eq!(config.api_version, "2");
    assert_eq!(config.timeout, Duration::from_secs(60));
    assert_eq!(config.upload_timeout, Duration::from_secs(600));
    assert_eq!(config.max_retries, 5);
    assert_eq!(
        config.base_url(),
        "https://worker-aws-us-east-1.iron.io:443/2"
    );
}

#[test]
fn http_defaults_to_port_80_unless_a_port_is_given() {
    let sandbox = Sandbox::new();

    let mut options = creds();
    options["protocol"] = json!("HTTP");
    let config = sandbox.load(None, options.clone()).unwrap();
    assert_eq!(config.protocol, "http");
    assert_eq!(config.port, 80);
    assert_eq!(
        config.base_url(),
        "http://worker-aws-us-east-1.iron.io:80/2"
    );

    options["port"] = json!(8080);
    options["host"] = json!("127.0.0.1");
    let config = sandbox.load(None, options).unwrap();
    assert_eq!(config.base_url(), "http://127.0.0.1:8080/2");
}

#[test]
fn base_url_brackets_an_ipv6_host() {
    let sandbox = Sandbox::new();
    let mut options = creds();
    options["host"] = json!("::1");
    options["port"] = json!(9000);
    options["scheme"] = json!("http");

    let config = sandbox.load(None, options).unwrap();

    assert_eq!(config.base_url(), "http://[::1]:9000/2");
}

/// Every source sets `host` to its own name; removing the sources from the top down shows each
/// one beats everything below it.
#[test]
fn precedence_of_every_source_from_highest_to_lowest() {
    let mut sandbox = Sandbox::new();
    let given = sandbox.cwd_file("given.ini", "[iron_worker]\nhost = given-file\n");
    sandbox.cwd_file("iron.json", r#"{"host": "local-json"}"#);
    sandbox.cwd_file("iron.ini", "host = local-ini\n");
    sandbox.var("IRON_WORKER_HOST", "env-iron-worker");
    sandbox.var("IRON_HOST", "env-iron");
    sandbox.home_file(".iron.json", r#"{"host": "home-json"}"#);
    sandbox.home_file(".iron.ini", "[iron]\nhost = home-ini\n");

    let host = |sandbox: &Sandbox, file: Option<&Path>, options: Value| {
        sandbox.load(file, options).unwrap().host
    };
    let mut options = creds();
    options["host"] = json!("option");

    assert_eq!(host(&sandbox, Some(&given), options), "option");
    assert_eq!(host(&sandbox, Some(&given), creds()), "given-file");
    assert_eq!(host(&sandbox, None, creds()), "local-json");

    fs::remove_file(sandbox.cwd.join("iron.json")).unwrap();
    assert_eq!(host(&sandbox, None, creds()), "local-ini");

    fs::remove_file(sandbox.cwd.join("iron.ini")).unwrap();
    assert_eq!(host(&sandbox, None, creds()), "env-iron-worker");

    sandbox.vars.remove("IRON_WORKER_HOST");
    assert_eq!(host(&sandbox, None, creds()), "env-iron");

    sandbox.vars.remove("IRON_HOST");
    assert_eq!(host(&sandbox, None, creds()), "home-json");

    fs::remove_file(sandbox.home.join(".iron.json")).unwrap();
    assert_eq!(host(&sandbox, None, creds()), "home-ini");

    fs::remove_file(sandbox.home.join(".iron.ini")).unwrap();
    assert_eq!(
        host(&sandbox, None, creds()),
        "worker-aws-us-east-1.iron.io"
    );
}

#[test]
fn each_key_comes_from_the_highest_source_that_sets_it() {
    let mut sandbox = Sandbox::new();
    sandbox.var("IRON_TOKEN", SECRET);
    sandbox.var("IRON_WORKER_PORT", "8443");
    sandbox.home_file(".iron.json", &format!(r#"{{"project_id": "{PROJECT}"}}"#));
    sandbox.cwd_file("iron.ini", "[iron_worker]\nhost = local.example\n");

    let config = sandbox.load(None, json!({"api_version": 3})).unwrap();

    assert_eq!(config.token.expose(), SECRET);
    assert_eq!(config.project_id, PROJECT);
    assert_eq!(config.host, "local.example");
    assert_eq!(config.port, 8443);
    assert_eq!(config.api_version, "3");
}

#[test]
fn an_empty_value_does_not_hide_a_lower_source() {
    let mut sandbox = Sandbox::new();
    sandbox.var("IRON_WORKER_TOKEN", "");
    sandbox.var("IRON_TOKEN", SECRET);
    sandbox.cwd_file(
        "iron.ini",
        &format!("project_id =\n[iron]\nproject_id = {PROJECT}\n"),
    );

    let config = sandbox
        .load(None, json!({"host": "", "token": null}))
        .unwrap();

    assert_eq!(config.token.expose(), SECRET);
    assert_eq!(config.project_id, PROJECT);
    assert_eq!(config.host, "worker-aws-us-east-1.iron.io");
}

#[test]
fn json_sub_objects_override_the_top_level() {
    let sandbox = Sandbox::new();
    let file = sandbox.cwd_file(
        "settings.json",
        &format!(
            r#"{{
                "token": "{SECRET}", "project_id": "{PROJECT}",
                "host": "top", "port": 1001, "api_version": "1",
                "iron": {{"host": "iron", "port": "1002"}},
                "iron_worker": {{"host": "iron-worker"}},
                "iron_mq": {{"host": "not-for-us"}},
                "unrelated_key": [1, 2]
            }}"#
        ),
    );

    let config = sandbox.load(Some(&file), json!({})).unwrap();

    assert_eq!(config.host, "iron-worker");
    assert_eq!(config.port, 1002);
    assert_eq!(config.api_version, "1");
}

#[test]
fn ini_sections_in_order_iron_worker_legacy_iron_then_global() {
    let sandbox = Sandbox::new();
    let text = format!(
        "; shared settings\n\
         token = {SECRET}\n\
         project_id = {PROJECT}\n\
         host = global\nport = 1\napi_version = 1\nprotocol = http\n\
         [iron]\nhost = iron\nport = 2\napi_version = 2\n\
         [IronWorker]\nhost = legacy\nport = 3\n\
         [iron_mq]\nhost = other-product\n\
         [iron_worker]\nhost = first\nhost = \"iron-worker\" ; the last one wins\n"
    );
    let file = sandbox.cwd_file("config.ini", &text);

    let config = sandbox.load(Some(&file), json!({})).unwrap();

    assert_eq!(config.host, "iron-worker");
    assert_eq!(config.port, 3);
    assert_eq!(config.api_version, "2");
    assert_eq!(config.protocol, "http");
}

#[test]
fn the_tutorial_config_ini_with_the_legacy_section_and_version_key() {
    let sandbox = Sandbox::new();
    let file = sandbox.cwd_file(
        "config.ini",
        &format!("[IronWorker]\ntoken = {SECRET}\nproject_id = {PROJECT}\nversion = 2\n"),
    );

    let config = sandbox.load(Some(&file), json!({})).unwrap();

    assert_eq!(config.token.expose(), SECRET);
    assert_eq!(config.api_version, "2");
}

#[test]
fn a_file_is_json_when_it_looks_like_json_whatever_its_name() {
    let sandbox = Sandbox::new();
    let file = sandbox.cwd_file(
        "config.ini",
        &format!(r#"  {{"iron_worker": {{"token": "{SECRET}", "project_id": "{PROJECT}"}}}}"#),
    );

    let config = sandbox.load(Some(&file), json!({})).unwrap();

    assert_eq!(config.project_id, PROJECT);
}

#[test]
fn aliases_scheme_and_version_in_every_source() {
    let mut sandbox = Sandbox::new();

    let mut options = creds();
    options["scheme"] = json!("http");
    options["version"] = json!(2.0);
    let config = sandbox.load(None, options).unwrap();
    assert_eq!(
        (config.protocol.as_str(), config.api_version.as_str()),
        ("http", "2")
    );

    let file = sandbox.cwd_file("c.json", r#"{"scheme": "http", "version": 7}"#);
    let config = sandbox.load(Some(&file), creds()).unwrap();
    assert_eq!(
        (config.protocol.as_str(), config.api_version.as_str()),
        ("http", "7")
    );

    sandbox.var("IRON_SCHEME", "http");
    assert_eq!(sandbox.load(None, creds()).unwrap().protocol, "http");

    sandbox.var("IRON_WORKER_SCHEME", "http");
    sandbox.var("IRON_WORKER_PROTOCOL", "https");
    assert_eq!(sandbox.load(None, creds()).unwrap().protocol, "https");
}

#[test]
fn within_one_source_the_canonical_name_beats_its_alias() {
    let sandbox = Sandbox::new();
    let json_file = sandbox.cwd_file("a.json", r#"{"scheme": "http", "protocol": "https"}"#);
    let ini_file = sandbox.cwd_file("a.ini", "protocol = https\nscheme = http\n");

    assert_eq!(
        sandbox.load(Some(&json_file), creds()).unwrap().protocol,
        "https"
    );
    assert_eq!(
        sandbox.load(Some(&ini_file), creds()).unwrap().protocol,
        "https"
    );
}

#[test]
fn port_and_api_version_as_number_or_string() {
    let sandbox = Sandbox::new();
    for (port, version) in [
        (json!(8080), json!(2)),
        (json!("8080"), json!("2")),
        (json!(8080.0), json!(" 2 ")),
    ] {
        let mut options = creds();
        options["port"] = port;
        options["api_version"] = version;
        let config = sandbox.load(None, options).unwrap();
        assert_eq!((config.port, config.api_version.as_str()), (8080, "2"));
    }
}

#[test]
fn timeouts_and_retries_from_options_and_files() {
    let sandbox = Sandbox::new();
    let file = sandbox.cwd_file("c.ini", "timeout = 2.5\nmax_retries = 0\n");

    let mut options = creds();
    options["upload_timeout"] = json!("90");
    let config = sandbox.load(Some(&file), options).unwrap();

    assert_eq!(config.timeout, Duration::from_millis(2500));
    assert_eq!(config.upload_timeout, Duration::from_secs(90));
    assert_eq!(config.max_retries, 0);
}

#[test]
fn a_relative_or_home_config_path_resolves_against_the_environment() {
    let sandbox = Sandbox::new();
    sandbox.cwd_file("rel.ini", "host = relative\n");
    sandbox.home_file("home.ini", "host = from-home\n");

    let rel = sandbox.load(Some(Path::new("rel.ini")), creds()).unwrap();
    let home = sandbox
        .load(Some(Path::new("~/home.ini")), creds())
        .unwrap();

    assert_eq!(rel.host, "relative");
    assert_eq!(home.host, "from-home");
}

#[test]
fn read_file_gives_canonical_normalised_keys() {
    let sandbox = Sandbox::new();
    let file = sandbox.cwd_file(
        "c.ini",
        "[iron]\nscheme = HTTPS\nport = 443\nversion = 2\n[iron_worker]\nhost = h\nfoo = bar\n",
    );

    let values = Config::read_file(&file).unwrap();

    assert_eq!(
        Value::Object(values),
        json!({"protocol": "https", "port": 443, "api_version": "2", "host": "h"})
    );
}

#[test]
fn options_are_normalised_to_canonical_names() {
    let options = ConfigOptions::from_map(
        None,
        &map(json!({"scheme": "HTTP", "version": 2, "port": "80", "token": null})),
    )
    .unwrap();

    assert_eq!(
        Value::Object(options.values),
        json!({"protocol": "http", "api_version": "2", "port": 80})
    );
}

#[test]
fn an_unknown_option_names_it_and_lists_the_valid_ones() {
    let err = ConfigOptions::from_map(None, &map(json!({"tokn": "x"}))).unwrap_err();

    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    let text = err.to_string();
    assert!(text.contains("`tokn`"), "{text}");
    assert!(
        text.contains("project_id") && text.contains("scheme"),
        "{text}"
    );
}

#[test]
fn an_option_given_under_both_names_must_agree() {
    let same = ConfigOptions::from_map(None, &map(json!({"protocol": "http", "scheme": "HTTP"})));
    assert!(same.is_ok());

    let err = ConfigOptions::from_map(None, &map(json!({"protocol": "http", "scheme": "https"})))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(err.to_string().contains("`scheme`"), "{err}");
}

#[test]
fn an_empty_config_path_is_an_invalid_argument() {
    let err = ConfigOptions::from_map(Some(PathBuf::new()), &Map::new()).unwrap_err();

    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
}

#[test]
fn bad_values_name_the_key_and_where_they_came_from() {
    let err = ConfigOptions::from_map(None, &map(json!({"port": "abc"}))).unwrap_err();
    let text = err.to_string();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(text.contains("port") && text.contains("\"abc\""), "{text}");
    assert!(text.contains("constructor option"), "{text}");

    let err = ConfigOptions::from_map(None, &map(json!({"port": 70000}))).unwrap_err();
    assert!(err.to_string().contains("1 to 65535"), "{err}");

    let err = ConfigOptions::from_map(None, &map(json!({"scheme": "ftp"}))).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("protocol") && text.contains("`scheme`"),
        "{text}"
    );

    let mut sandbox = Sandbox::new();
    sandbox.var("IRON_PORT", "abc");
    let text = config_error(sandbox.load(None, creds()));
    assert!(
        text.contains("port") && text.contains("IRON_PORT"),
        "{text}"
    );

    let file = sandbox.cwd_file(
        "bad.ini",
        "[iron]\nport = 1\n[iron_worker]\n\nprotocol = ftp\n",
    );
    let text = config_error(sandbox.load(Some(&file), creds()));
    assert!(
        text.contains("protocol") && text.contains("\"ftp\""),
        "{text}"
    );
    assert!(text.contains("bad.ini line 5"), "{text}");

    let file = sandbox.cwd_file("bad.json", r#"{"iron_worker": {"port": true}}"#);
    let text = config_error(sandbox.load(Some(&file), creds()));
    assert!(
        text.contains("bad.json") && text.contains("iron_worker.port"),
        "{text}"
    );
}

#[test]
fn a_bad_value_overridden_by_a_higher_source_is_not_an_error() {
    let mut sandbox = Sandbox::new();
    sandbox.var("IRON_PORT", "abc");
    let mut options = creds();
    options["port"] = json!(8080);

    assert_eq!(sandbox.load(None, options).unwrap().port, 8080);
}

#[test]
fn a_host_with_a_scheme_or_port_is_rejected_with_a_hint() {
    let err = ConfigOptions::from_map(None, &map(json!({"host": "http://x.example"}))).unwrap_err();
    assert!(err.to_string().contains("protocol"), "{err}");

    let err = ConfigOptions::from_map(None, &map(json!({"host": "localhost:8080"}))).unwrap_err();
    assert!(err.to_string().contains("`port`"), "{err}");
}

#[test]
fn a_missing_given_file_is_an_error_naming_it() {
    let sandbox = Sandbox::new();

    let text = config_error(sandbox.load(Some(Path::new("nope.ini")), creds()));

    assert!(
        text.contains("nope.ini") && text.contains("not found"),
        "{text}"
    );
}

#[test]
fn an_unreadable_given_file_is_an_error_naming_it() {
    let sandbox = Sandbox::new();
    let dir = sandbox.cwd.join("a-directory.ini");
    fs::create_dir(&dir).unwrap();

    let text = config_error(sandbox.load(Some(&dir), creds()));

    assert!(text.contains("a-directory.ini"), "{text}");
}

#[test]
fn malformed_files_are_errors_naming_the_file_and_line() {
    let sandbox = Sandbox::new();

    let json_file = sandbox.cwd_file("broken.json", "{\"token\": \"x\",\n \"host\" }");
    let text = config_error(sandbox.load(Some(&json_file), creds()));
    assert!(
        text.contains("broken.json") && text.contains("line 2"),
        "{text}"
    );

    let ini_file = sandbox.cwd_file("broken.ini", "[iron]\nhost = a\njust some words\n");
    let text = config_error(sandbox.load(Some(&ini_file), creds()));
    assert!(text.contains("broken.ini line 3"), "{text}");

    let list = sandbox.cwd_file("list.json", "[1, 2]");
    let text = config_error(sandbox.load(Some(&list), creds()));
    assert!(
        text.contains("list.json") && text.contains("JSON object"),
        "{text}"
    );

    let sub = sandbox.cwd_file("sub.json", r#"{"iron_worker": "x"}"#);
    let text = config_error(sandbox.load(Some(&sub), creds()));
    assert!(text.contains("`iron_worker`"), "{text}");
}

#[test]
fn a_malformed_discovered_file_is_an_error_never_skipped() {
    let sandbox = Sandbox::new();
    sandbox.home_file(".iron.json", "{not json");

    let text = config_error(sandbox.load(None, creds()));
    assert!(text.contains(".iron.json"), "{text}");

    fs::remove_file(sandbox.home.join(".iron.json")).unwrap();
    sandbox.cwd_file("iron.ini", "[iron_worker\n");
    let text = config_error(sandbox.load(None, creds()));
    assert!(text.contains("iron.ini line 1"), "{text}");
}

#[test]
fn a_missing_token_and_project_id_lists_every_place_searched() {
    let sandbox = Sandbox::new();
    let given = sandbox.cwd_file("given.ini", "host = x\n");

    let text = config_error(sandbox.load(Some(&given), json!({})));

    assert!(
        text.contains("token") && text.contains("project_id"),
        "{text}"
    );
    for place in [
        "constructor options",
        "given.ini",
        "./iron.json",
        "./iron.ini",
        "IRON_WORKER_TOKEN",
        "IRON_TOKEN",
        "IRON_WORKER_PROJECT_ID",
        "IRON_PROJECT_ID",
        "~/.iron.json",
        "~/.iron.ini",
    ] {
        assert!(text.contains(place), "{place} missing from: {text}");
    }
}

#[test]
fn a_missing_project_id_alone_names_only_it() {
    let mut sandbox = Sandbox::new();
    sandbox.var("IRON_TOKEN", SECRET);

    let text = config_error(sandbox.load(None, json!({})));

    assert!(text.contains("no project_id found"), "{text}");
    assert!(!text.contains("IRON_TOKEN"), "{text}");
}

#[test]
fn the_token_never_shows_in_debug_or_errors() {
    let mut sandbox = Sandbox::new();
    let config = sandbox.load(None, creds()).unwrap();
    let options = ConfigOptions::from_map(None, &map(creds())).unwrap();

    assert!(!format!("{config:?}").contains(SECRET));
    assert!(!format!("{config:#?}").contains(SECRET));
    assert!(!format!("{:?}", config.token).contains(SECRET));
    assert!(!config.token.to_string().contains(SECRET));
    assert!(!format!("{options:?}").contains(SECRET));
    assert!(format!("{options:?}").contains("<redacted>"));

    let mut errors: Vec<Error> = Vec::new();
    let bad_token = format!("{SECRET} with spaces");
    errors.push(ConfigOptions::from_map(None, &map(json!({"token": bad_token}))).unwrap_err());
    errors.push(ConfigOptions::from_map(None, &map(json!({"token": [SECRET]}))).unwrap_err());

    let ini = sandbox.cwd_file("t.ini", &format!("token {SECRET}\n"));
    errors.push(sandbox.load(Some(&ini), json!({})).unwrap_err());
    let ini = sandbox.cwd_file("q.ini", &format!("token = \"{SECRET}\n"));
    errors.push(sandbox.load(Some(&ini), json!({})).unwrap_err());
    let json_file = sandbox.cwd_file("t.json", &format!("{{\"token\": \"{SECRET}\" \"x\"}}"));
    errors.push(sandbox.load(Some(&json_file), json!({})).unwrap_err());

    sandbox.var("IRON_TOKEN", SECRET);
    errors.push(sandbox.load(None, json!({})).unwrap_err());

    for err in errors {
        assert!(!err.to_string().contains(SECRET), "token leaked: {err}");
        assert!(
            !format!("{err:?}").contains(SECRET),
            "token leaked: {err:?}"
        );
    }
}

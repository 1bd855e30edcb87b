//! Code package commands: `upload`, `codes`, `code`, `revisions`, `download`, `pause`,
//! `resume`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Args;
use indicatif::HumanBytes;
use iron_worker::{package, runtime, CodeOptions, Page};
use serde_json::{json, Map, Value};

use super::{io_error, print_msg, put, read_text, Ctx, PageArgs};
use crate::exit::CliError;
use crate::output::{field, note};
use crate::progress::Progress;

/// Examples shown by `iron-worker upload --help`.
pub const UPLOAD_EXAMPLES: &str = "\
Examples:
  iron-worker upload ./fibonacci --name fibonacci
  iron-worker upload worker.zip --name report --exec bin/report.py --max-concurrency 2
  iron-worker upload ./mailer --name mailer -e SMTP_HOST=mail.local --worker-config smtp.json";

/// The largest page a list call may ask for, used to look a code package up by name.
const LOOKUP_PAGE_SIZE: u32 = 100;

/// How many pages a name lookup reads at most (the API serves pages 0 to 100).
const LOOKUP_MAX_PAGES: u32 = 101;

/// Arguments of `upload`.
#[derive(Debug, Args)]
pub struct UploadArgs {
    /// The worker's folder (zipped for you, files at the top of the archive) or a zip file.
    #[arg(value_name = "DIR|ZIP")]
    source: PathBuf,

    /// Name of the code package; tasks are queued with this name. Uploading the same name
    /// again makes a new revision.
    #[arg(long, value_name = "NAME")]
    name: String,

    /// The file to run, a path inside the package. Default: the only .py, .rb, .php, .js or
    /// .sh file at the top of the package.
    #[arg(long, value_name = "FILE")]
    exec: Option<String>,

    /// Runtime (python, ruby, php, node, sh, binary). Default: from the --exec file's
    /// extension.
    #[arg(long, value_name = "R")]
    runtime: Option<String>,

    /// Stack (hosted service only).
    #[arg(long, value_name = "STACK")]
    stack: Option<String>,

    /// A file whose text every task gets as its config (CONFIG_FILE / -config).
    #[arg(long, value_name = "FILE")]
    worker_config: Option<PathBuf>,

    /// Tasks of this code that may run at once (-1: no limit).
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    max_concurrency: Option<String>,

    /// Automatic retries of a failed task (0-10).
    #[arg(long, value_name = "N")]
    retries: Option<String>,

    /// Seconds before each automatic retry.
    #[arg(long, value_name = "S")]
    retries_delay: Option<String>,

    /// Priority of tasks queued without one (0-2).
    #[arg(long, value_name = "P")]
    priority: Option<String>,

    /// An environment variable for the worker; repeat for several.
    #[arg(short = 'e', long = "env", value_name = "KEY=VALUE")]
    env: Vec<String>,
}

/// `upload`: zips (if needed) and uploads; prints the code id.
pub fn upload(ctx: &mut Ctx, args: UploadArgs) -> Result<(), CliError> {
    let options = code_options(&args)?;
    if !args.source.exists() {
        return Err(iron_worker::Error::FileNotFound { path: args.source }.into());
    }

    // A folder is zipped into a temporary file that lives until the upload is over.
    let staging = tempfile::tempdir()
        .map_err(|e| io_error("create a temporary folder for", &args.source, e))?;
    let zip = if args.source.is_dir() {
        let zip = staging
            .path()
            .join(format!("{}.zip", file_stem(&args.name)));
        note(&format!("Zipping {}", args.source.display()));
        package::zip_directory(&args.source, &zip, true)?;
        zip
    } else {
        args.source.clone()
    };

    // Reading the archive's entries also checks, before anything is sent, that it is a zip.
    let entries = package::list_entries(&zip).inspect_err(|_| {
        note("upload takes a folder (zipped for you) or a zip file");
    })?;
    let exec = match &args.exec {
        Some(exec) => exec.clone(),
        None => guess_exec(&entries, &args.source)?,
    };
    let size = std::fs::metadata(&zip)
        .map_err(|e| io_error("read", &zip, e))?
        .len();
    note(&format!(
        "Uploading {} ({}, runs {exec})",
        args.name,
        HumanBytes(size)
    ));

    let progress = Progress::new(&args.name);
    let answer =
        ctx.client
            .post_code_with_progress(&exec, &zip, &args.name, &options, progress.callback());
    progress.finish();
    let answer = answer?;

    let id = answer.get("id").and_then(Value::as_str).unwrap_or("");
    note(&format!(
        "Uploaded {}: code id {id}, revision {}",
        args.name,
        field(&answer, "rev")
    ));
    if ctx.out.is_json() {
        return Ok(ctx.out.json(&answer)?);
    }
    Ok(ctx.out.line(id)?)
}

/// The upload options, checked by the core.
fn code_options(args: &UploadArgs) -> Result<CodeOptions, CliError> {
    let mut map = Map::new();
    put(&mut map, "runtime", &args.runtime);
    put(&mut map, "stack", &args.stack);
    put(&mut map, "max_concurrency", &args.max_concurrency);
    put(&mut map, "retries", &args.retries);
    put(&mut map, "retries_delay", &args.retries_delay);
    put(&mut map, "default_priority", &args.priority);
    if let Some(path) = &args.worker_config {
        map.insert("config".to_string(), Value::from(read_text(path)?));
    }

    let mut env = BTreeMap::new();
    for pair in &args.env {
        let Some((key, value)) = pair.split_once('=').filter(|(k, _)| !k.is_empty()) else {
            return Err(CliError::Usage(format!(
                "-e/--env takes KEY=VALUE, got {pair:?}"
            )));
        };
        env.insert(key.to_string(), Value::from(value));
    }
    if !env.is_empty() {
        map.insert("env_vars".to_string(), json!(env));
    }

    Ok(CodeOptions::from_map(&map)?)
}

/// The file to run when `--exec` is not given: the only worker script among the zip's
/// top-level `entries`.
fn guess_exec(entries: &[String], source: &Path) -> Result<String, CliError> {
    let scripts: Vec<&String> = entries
        .iter()
        .filter(|e| !e.contains('/') && runtime::runtime_for_file(e) != "binary")
        .collect();

    match scripts.as_slice() {
        [only] => Ok((*only).clone()),
        [] => Err(CliError::Usage(format!(
            "no .py, .rb, .php, .js or .sh file at the top of {}: name the file to run with \
             --exec FILE",
            source.display()
        ))),
        several => {
            let names: Vec<&str> = several.iter().map(|s| s.as_str()).collect();
            Err(CliError::Usage(format!(
                "{} has several scripts at its top ({}): name the one to run with --exec FILE",
                source.display(),
                names.join(", ")
            )))
        }
    }
}

/// A code name made safe as a file name.
fn file_stem(name: &str) -> String {
    let stem: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if stem.is_empty() {
        "package".to_string()
    } else {
        stem
    }
}

/// `codes`: a table of code packages.
pub fn list(ctx: &mut Ctx, args: PageArgs) -> Result<(), CliError> {
    let codes = ctx.client.get_codes(&args.page()?)?;
    if ctx.out.is_json() {
        return Ok(ctx.out.json(&codes)?);
    }
    if codes.as_array().is_some_and(Vec::is_empty) {
        note("No code packages.");
        return Ok(());
    }
    Ok(ctx.out.table(
        &codes,
        &[
            ("ID", |c| field(c, "id")),
            ("NAME", |c| field(c, "name")),
            ("REV", |c| field(c, "rev")),
            ("RUNTIME", |c| field(c, "runtime")),
            ("UPDATED", |c| field(c, "latest_change")),
        ],
    )?)
}

/// One code package, by name or id.
#[derive(Debug, Args)]
pub struct CodeArg {
    /// The code package's name, or its 24-character id.
    #[arg(value_name = "NAME|ID")]
    code: String,
}

/// `code`: the code package's details.
pub fn show(ctx: &mut Ctx, args: CodeArg) -> Result<(), CliError> {
    let code = resolve(ctx, &args.code)?;
    let details = ctx.client.get_code_details(&code_id(&code)?)?;
    if ctx.out.is_json() {
        return Ok(ctx.out.json(&details)?);
    }
    Ok(ctx.out.details(&details)?)
}

/// Arguments of `revisions`.
#[derive(Debug, Args)]
pub struct RevisionsArgs {
    /// The code package's name, or its 24-character id.
    #[arg(value_name = "NAME|ID")]
    code: String,

    #[command(flatten)]
    page: PageArgs,
}

/// `revisions`: a table of a code package's revisions.
pub fn revisions(ctx: &mut Ctx, args: RevisionsArgs) -> Result<(), CliError> {
    let code = resolve(ctx, &args.code)?;
    let revisions = ctx
        .client
        .get_code_revisions(&code_id(&code)?, &args.page.page()?)?;
    if ctx.out.is_json() {
        return Ok(ctx.out.json(&revisions)?);
    }
    Ok(ctx.out.table(
        &revisions,
        &[
            ("REV", |r| field(r, "rev")),
            ("ID", |r| field(r, "id")),
            ("CREATED", |r| field(r, "created_at")),
            ("SIZE", |r| field(r, "code_size")),
            ("RUNS", |r| field(r, "file_name")),
        ],
    )?)
}

/// Arguments of `download`.
#[derive(Debug, Args)]
pub struct DownloadArgs {
    /// The code package's name, or its 24-character id.
    #[arg(value_name = "NAME|ID")]
    code: String,

    /// Revision to download (default: the latest).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    rev: Option<u32>,

    /// Where to write the zip (default: NAME.zip here); `-` writes it to stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// `download`: writes the package's zip; prints its path.
pub fn download(ctx: &mut Ctx, args: DownloadArgs) -> Result<(), CliError> {
    let code = resolve(ctx, &args.code)?;
    let id = code_id(&code)?;

    if args.output.as_deref() == Some(Path::new("-")) {
        if ctx.out.is_json() {
            return Err(CliError::Usage(
                "--json and `-o -` both want stdout; give -o FILE".to_string(),
            ));
        }
        let zip = ctx.client.download_code(&id, args.rev)?;
        return Ok(ctx.out.bytes(&zip)?);
    }

    let path = match args.output {
        Some(path) => path,
        None => PathBuf::from(format!("{}.zip", file_stem(&field(&code, "name")))),
    };
    ctx.client.download_code_to(&id, args.rev, &path)?;
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    note(&format!(
        "Downloaded {} ({})",
        field(&code, "name"),
        HumanBytes(size)
    ));

    if ctx.out.is_json() {
        return Ok(ctx.out.json(&json!({
            "id": id,
            "name": code.get("name"),
            "revision": args.rev,
            "path": path.display().to_string(),
            "bytes": size,
        }))?);
    }
    Ok(ctx.out.line(&path.display().to_string())?)
}

/// `pause`: stops dispatching the code package's queued tasks.
pub fn pause(ctx: &mut Ctx, args: CodeArg) -> Result<(), CliError> {
    let code = resolve(ctx, &args.code)?;
    let answer = ctx.client.pause_task_queue(&code_id(&code)?)?;
    print_msg(&ctx.out, &answer, "Paused")
}

/// `resume`: dispatches the code package's queued tasks again.
pub fn resume(ctx: &mut Ctx, args: CodeArg) -> Result<(), CliError> {
    let code = resolve(ctx, &args.code)?;
    let answer = ctx.client.resume_task_queue(&code_id(&code)?)?;
    print_msg(&ctx.out, &answer, "Resumed")
}

/// Finds a code package by id (24 hex characters) or else by name.
///
/// An id that is not found is also tried as a name, so a package whose name happens to look
/// like an id is still found.
fn resolve(ctx: &Ctx, name_or_id: &str) -> Result<Value, CliError> {
    if is_id(name_or_id) {
        match ctx.client.get_code_details(name_or_id) {
            Ok(code) => return Ok(code),
            Err(e) if e.status() == Some(404) => {}
            Err(e) => return Err(e.into()),
        }
    }

    for page in 0..LOOKUP_MAX_PAGES {
        let page = Page {
            page: Some(page),
            per_page: Some(LOOKUP_PAGE_SIZE),
        };
        let codes = ctx.client.get_codes(&page)?;
        let codes = codes.as_array().map(Vec::as_slice).unwrap_or_default();
        let found = codes
            .iter()
            .find(|c| c.get("name").and_then(Value::as_str) == Some(name_or_id));
        if let Some(code) = found {
            return Ok(code.clone());
        }
        if codes.len() < LOOKUP_PAGE_SIZE as usize {
            break;
        }
    }

    let project = &ctx.client.config().project_id;
    Err(CliError::NotFound(format!(
        "no code package named {name_or_id:?} (nor with that id) in project {project}; \
         `iron-worker codes` lists them"
    )))
}

/// Whether `text` looks like an IronWorker id: 24 hexadecimal characters.
fn is_id(text: &str) -> bool {
    text.len() == 24 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The `id` of a code package.
fn code_id(code: &Value) -> Result<String, CliError> {
    code.get("id")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| {
            CliError::Core(iron_worker::Error::Decode(
                "the code package has no `id`".to_string(),
            ))
        })
}

//! Which interpreter runs a worker file; shared by the client and the local server.

/// The runtime name for a file, from its extension: `python`, `php`, `ruby`, `node`, `sh`,
/// or `binary` for anything else.
pub fn runtime_for_file(file_name: &str) -> &'static str {
    let ext = std::path::Path::new(file_name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "py" => "python",
        "php" => "php",
        "rb" => "ruby",
        "js" | "mjs" | "cjs" => "node",
        "sh" => "sh",
        _ => "binary",
    }
}

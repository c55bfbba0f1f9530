//! Entry point of the `skops-rs` binary; all logic lives in the library.

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(skops_cli::run(std::env::args_os()))
}

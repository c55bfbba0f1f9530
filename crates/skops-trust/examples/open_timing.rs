//! Times the stages of opening a `.skops` file (zip, JSON parse, schema, audit): a profiling aid.
//!
//! `cargo run --release -p skops-trust --example open_timing -- FILE [ROUNDS]`

use std::time::Instant;

use skops_format::{Limits, SkopsFile, json, schema::Schema};
use skops_trust::ModelFile;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: open_timing FILE [ROUNDS]")?;
    let rounds: u32 = args.next().map_or(Ok(20), |r| r.parse())?;
    let data = std::fs::read(&path)?;
    let limits = Limits::default();
    let file = ModelFile::open(&data, &limits)?;
    let schema_text = file.member("schema.json")?.into_owned();

    let time = |label: &str, f: &mut dyn FnMut() -> Result<(), Box<dyn std::error::Error>>| {
        let start = Instant::now();
        for _ in 0..rounds {
            f()?;
        }
        let per_round = start.elapsed() / rounds;
        writeln_stdout(&format!("{label:<24} {per_round:>12.3?}"));
        Ok::<(), Box<dyn std::error::Error>>(())
    };
    time("json::parse", &mut || {
        json::parse(&schema_text, limits.max_json_depth)?;
        Ok(())
    })?;
    let value = json::parse(&schema_text, limits.max_json_depth)?;
    time("Schema::from_value", &mut || {
        Schema::from_value_with_limits(&value, &limits)?;
        Ok(())
    })?;
    time("SkopsFile::open", &mut || {
        SkopsFile::open(&data, &limits)?;
        Ok(())
    })?;
    time("audit", &mut || {
        file.audit(&[])?;
        Ok(())
    })?;
    Ok(())
}

fn writeln_stdout(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout(), "{line}");
}

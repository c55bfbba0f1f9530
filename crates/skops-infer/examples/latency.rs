//! Timing harness for the prediction benchmark: latency and throughput measured from Rust,
//! without a Python call around each prediction.
//!
//!     cargo run --release -p skops-infer --example latency -- MODEL.skops ROWS.npy METHOD [CALLS]
//!
//! `ROWS.npy` is a C-ordered 2-D float64 array. The harness builds the predictor from the
//! file's bytes (cold start, timed), predicts single rows (one call per distinct row, the
//! `Data` built inside the timed region as a caller would), then the whole array as one batch
//! on one thread and on every core (rayon pools of 1 and of `available_parallelism` threads).
//! It prints one JSON object; `python/benchmarks/inference.py` reads it.

// A command-line harness: its output is what it prints.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;
use std::str::FromStr;
use std::time::Instant;

use skops_format::Limits;
use skops_format::npy::{ByteOrder, Descr, read_npy};
use skops_infer::{Data, Matrix, Method, Predictor};

/// Single-row calls timed (each on the next row, cycling).
const DEFAULT_CALLS: usize = 2000;
/// Batch repetitions; the median is reported.
const BATCH_REPEATS: usize = 5;
/// Cold-start repetitions; the median is reported.
const COLD_REPEATS: usize = 5;

fn main() -> ExitCode {
    match run() {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<String, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model_path, rows_path, method, rest @ ..] = args.as_slice() else {
        return Err("usage: latency MODEL.skops ROWS.npy METHOD [CALLS]".into());
    };
    let calls = match rest.first() {
        Some(text) => text
            .parse()
            .map_err(|_| format!("CALLS: not a count: {text}"))?,
        None => DEFAULT_CALLS,
    };
    let method = Method::from_str(method).map_err(|_| format!("unknown method {method}"))?;
    let model_bytes = std::fs::read(model_path).map_err(|e| format!("{model_path}: {e}"))?;
    let rows_bytes = std::fs::read(rows_path).map_err(|e| format!("{rows_path}: {e}"))?;
    let rows = read_rows(&rows_bytes)?;

    let mut cold = Vec::with_capacity(COLD_REPEATS);
    let mut predictor = None;
    for _ in 0..COLD_REPEATS {
        let start = Instant::now();
        let built = Predictor::from_bytes(&model_bytes).map_err(|e| e.to_string())?;
        cold.push(start.elapsed().as_secs_f64());
        predictor = Some(built);
    }
    let predictor = predictor.ok_or("no cold start ran")?;

    let one_thread = pool(1)?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let all_cores = pool(cores)?;

    // Single rows on one thread, as a request handler would run them.
    let width = rows.cols();
    let mut latencies = Vec::with_capacity(calls);
    one_thread.install(|| -> Result<(), String> {
        for call in 0..calls.max(1) {
            let row = rows.row(call % rows.rows());
            let start = Instant::now();
            let data =
                Data::Matrix(Matrix::new(1, width, row.to_vec()).map_err(|e| e.to_string())?);
            let output = predictor.run(method, &data).map_err(|e| e.to_string())?;
            latencies.push(start.elapsed().as_secs_f64());
            std::hint::black_box(output);
        }
        Ok(())
    })?;

    let batch = Data::Matrix(rows);
    let time_batch = |threads: &rayon::ThreadPool| -> Result<f64, String> {
        let mut times = Vec::with_capacity(BATCH_REPEATS);
        for _ in 0..BATCH_REPEATS {
            let start = Instant::now();
            let output = threads
                .install(|| predictor.run(method, &batch))
                .map_err(|e| e.to_string())?;
            times.push(start.elapsed().as_secs_f64());
            std::hint::black_box(output);
        }
        Ok(median(&mut times))
    };
    let batch_one = time_batch(&one_thread)?;
    let batch_all = time_batch(&all_cores)?;

    Ok(format!(
        concat!(
            "{{\"cold_start_ms\": {:.6}, \"single_row_median_us\": {:.3}, ",
            "\"single_row_p90_us\": {:.3}, \"batch_rows\": {}, \"batch_1_thread_ms\": {:.6}, ",
            "\"batch_all_cores_ms\": {:.6}, \"cores\": {}}}"
        ),
        median(&mut cold) * 1e3,
        median(&mut latencies) * 1e6,
        quantile(&mut latencies, 0.9) * 1e6,
        batch.rows(),
        batch_one * 1e3,
        batch_all * 1e3,
        cores,
    ))
}

/// Reads a C-ordered 2-D little-endian float64 `.npy` into a matrix.
fn read_rows(bytes: &[u8]) -> Result<Matrix, String> {
    let view = read_npy(bytes, &Limits::default()).map_err(|e| e.to_string())?;
    let header = &view.header;
    let is_f64 = matches!(&header.descr, Descr::Simple(t) if t.kind == 'f' && t.size == 8
        && t.byte_order != ByteOrder::Big);
    let [rows, cols] = header.shape.as_slice() else {
        return Err("ROWS.npy must be 2-D".into());
    };
    if !is_f64 || header.fortran_order || *rows == 0 {
        return Err("ROWS.npy must be a non-empty C-ordered float64 array".into());
    }
    let values = view
        .data
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().expect("chunks of 8")))
        .collect();
    Matrix::new(*rows as usize, *cols as usize, values).map_err(|e| e.to_string())
}

fn pool(threads: usize) -> Result<rayon::ThreadPool, String> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| e.to_string())
}

fn median(values: &mut [f64]) -> f64 {
    quantile(values, 0.5)
}

fn quantile(values: &mut [f64], q: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    values[((values.len() - 1) as f64 * q).round() as usize]
}

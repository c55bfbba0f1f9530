//! Writes the three evaluation charts to a folder, to look at them: `cargo run -p skops-card
//! --example charts -- /tmp/charts`.

fn main() -> Result<(), skops_card::Error> {
    let folder = std::env::args().nth(1).unwrap_or_else(|| ".".to_owned());
    let folder = std::path::Path::new(&folder);
    let labels: Vec<String> = ["setosa", "versicolor", "virginica"]
        .map(String::from)
        .to_vec();
    skops_card::chart::confusion_matrix(&labels, &[vec![16, 0, 0], vec![0, 17, 1], vec![0, 2, 9]])
        .save(folder, "confusion_matrix")?;
    let y_true: Vec<f64> = (0..200).map(|i| f64::from(i) / 10.0).collect();
    let y_pred: Vec<f64> = y_true.iter().map(|v| v + (v * 7.0).sin()).collect();
    skops_card::chart::predicted_vs_true(&y_true, &y_pred).save(folder, "predicted_vs_true")?;
    let names: Vec<String> = [
        "petal length (cm)",
        "petal width (cm)",
        "sepal length (cm)",
        "sepal width (cm)",
    ]
    .map(String::from)
    .to_vec();
    skops_card::chart::feature_importances(&names, &[0.42, 0.44, 0.1, 0.04])
        .save(folder, "feature_importances")?;
    Ok(())
}

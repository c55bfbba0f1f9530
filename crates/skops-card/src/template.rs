//! The default skops template (`skops.card._templates.SKOPS_TEMPLATE`), in order.

/// Placeholder content of template sections still to be filled in.
pub const CONTENT_PLACEHOLDER: &str = "[More Information Needed]";

/// Default section of the hyperparameter table.
pub const HYPERPARAMETERS_SECTION: &str = "Model description/Training Procedure/Hyperparameters";
/// Default section of the model diagram.
pub const MODEL_PLOT_SECTION: &str = "Model description/Training Procedure/Model Plot";
/// Default section of the metrics table.
pub const METRICS_SECTION: &str = "Model description/Evaluation Results";

/// `(path, content)` of every section of the skops template, in the order skops adds them.
pub fn skops_template() -> Vec<(&'static str, String)> {
    let p = CONTENT_PLACEHOLDER;
    vec![
        ("Model description", p.to_owned()),
        (
            "Model description/Intended uses & limitations",
            p.to_owned(),
        ),
        ("Model description/Training Procedure", p.to_owned()),
        (HYPERPARAMETERS_SECTION, p.to_owned()),
        (MODEL_PLOT_SECTION, p.to_owned()),
        (METRICS_SECTION, p.to_owned()),
        ("How to Get Started with the Model", p.to_owned()),
        (
            "Model Card Authors",
            format!("This model card is written by following authors:\n\n{p}"),
        ),
        (
            "Model Card Contact",
            format!("You can contact the model card authors through following channels:\n{p}"),
        ),
        (
            "Citation",
            format!(
                "Below you can find information related to citation.\n\n**BibTeX:**\n```\n{p}\n```"
            ),
        ),
    ]
}

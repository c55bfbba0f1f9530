// The model widget: an editable table of input rows, sent to the server's Open Inference
// Protocol v2 route; the answer (prediction and, for classifiers, class probabilities) is
// shown as a table and a bar chart.
//
// Everything the page config or a response holds (column names, cell values, class labels,
// error messages) is put into the page with textContent or as attribute values through the
// DOM, never parsed as markup, so a hostile model or server reply cannot inject any. The page
// allows no inline script: this file is its only one.
"use strict";

(function () {
  const configElement = document.getElementById("widget-config");
  const root = document.getElementById("widget");
  if (!configElement || !root) {
    return;
  }
  // {model, infer_url, columns: [{name, kind: "number" | "string", categories?: [text]}],
  //  rows: [[cell, ...]], outputs: ["predict", "predict_proba"?], classes: [label, ...] | null}
  const config = JSON.parse(configElement.textContent);
  const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
  const MISSING = /^(null|nan)$/i;

  function element(tag, attributes, text) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) {
      node.setAttribute(key, String(value));
    }
    if (text !== undefined) {
      node.textContent = String(text);
    }
    return node;
  }

  // The input table: one header row of column names, one editable row per example row.
  const table = element("table", { class: "widget-input", "aria-label": "input rows" });
  const head = table.createTHead().insertRow();
  head.appendChild(element("th", { scope: "col" }, "#"));
  for (const column of config.columns) {
    head.appendChild(element("th", { scope: "col", title: column.kind }, column.name));
  }
  const body = table.createTBody();

  // A string column's known categories are offered as suggestions (a datalist: any text may
  // still be typed, and an unknown category gets the model's own answer).
  const lists = config.columns.map((column, index) => {
    if (!Array.isArray(column.categories) || column.categories.length === 0) {
      return null;
    }
    const list = element("datalist", { id: "widget-categories-" + index });
    for (const category of column.categories) {
      list.appendChild(element("option", { value: category }));
    }
    return list;
  });

  function addRow(cells) {
    const row = body.insertRow();
    row.appendChild(element("th", { scope: "row" }, body.rows.length));
    config.columns.forEach((column, index) => {
      const cell = row.insertCell();
      const value = cells && index < cells.length && cells[index] !== null ? cells[index] : "";
      const input = element("input", {
        type: "text",
        name: column.name,
        "data-row": body.rows.length - 1,
        "aria-label": column.name + " of row " + body.rows.length,
        value: value,
      });
      if (lists[index]) {
        input.setAttribute("list", lists[index].id);
      }
      input.value = String(value);
      cell.appendChild(input);
    });
  }

  const rows = config.rows && config.rows.length ? config.rows : [[]];
  rows.forEach(addRow);

  const controls = element("div", { class: "widget-controls" });
  const addButton = element("button", { type: "button", id: "widget-add-row" }, "Add row");
  const submitButton = element("button", { type: "button", id: "widget-submit" }, "Compute");
  const status = element("p", { class: "widget-status", role: "status", id: "widget-status" });
  controls.append(addButton, submitButton);
  const result = element("div", { class: "widget-result", id: "widget-result" });
  root.append(table, ...lists.filter((list) => list !== null), controls, status, result);
  addButton.addEventListener("click", () => addRow([]));

  // Cells to tensor values: numbers for number columns ("nan"/"null" as null, which the
  // server reads as a missing value), text for string columns; an empty cell is refused here,
  // as the Hub's widget refused it.
  function readColumns() {
    const columns = config.columns.map(() => []);
    for (let r = 0; r < body.rows.length; r++) {
      const inputs = body.rows[r].querySelectorAll("input");
      for (let c = 0; c < config.columns.length; c++) {
        const text = inputs[c].value.trim();
        const column = config.columns[c];
        if (text === "") {
          throw new Error("row " + (r + 1) + ", column " + column.name + ": the cell is empty");
        }
        if (column.kind === "number") {
          if (MISSING.test(text)) {
            columns[c].push(null);
          } else if (NUMBER.test(text)) {
            columns[c].push(Number(text));
          } else {
            throw new Error(
              "row " + (r + 1) + ", column " + column.name + ": " + JSON.stringify(text) +
              " is not a number"
            );
          }
        } else {
          columns[c].push(text);
        }
      }
    }
    return columns;
  }

  function request(columns) {
    return {
      parameters: { content_type: "pd" },
      inputs: config.columns.map((column, index) => ({
        name: column.name,
        shape: [columns[index].length],
        datatype: column.kind === "number" ? "FP64" : "BYTES",
        data: columns[index],
      })),
      outputs: config.outputs.map((name) => ({ name: name })),
    };
  }

  // Six significant digits, trailing zeros of the fraction dropped (never zeros of the
  // integer part: 100000 stays 100000); below 1e-3 (and from 1e21) in exponent notation.
  function formatNumber(value) {
    if (typeof value !== "number") {
      return String(value);
    }
    if (!Number.isFinite(value)) {
      return String(value);
    }
    const magnitude = Math.abs(value);
    if (value !== 0 && (magnitude < 1e-3 || magnitude >= 1e21)) {
      return value.toExponential(3);
    }
    const text = value.toPrecision(6);
    const exponent = text.indexOf("e");
    const mantissa = exponent < 0 ? text : text.slice(0, exponent);
    const trimmed = mantissa.includes(".") ? mantissa.replace(/\.?0+$/, "") : mantissa;
    return exponent < 0 ? trimmed : trimmed + text.slice(exponent);
  }

  // A label as it is (a class is shown exactly, not rounded).
  function formatLabel(value) {
    return typeof value === "number" && !config.classes ? formatNumber(value) : String(value);
  }

  // The answer: a table (row, prediction, one column per class probability) and a chart of
  // horizontal bars (probabilities for classifiers, predictions scaled to the largest
  // magnitude for regressors).
  function show(answer) {
    result.replaceChildren();
    const outputs = {};
    for (const output of answer.outputs || []) {
      outputs[output.name] = output;
    }
    const predicted = outputs.predict ? outputs.predict.data : [];
    const proba = outputs.predict_proba;
    const classes = config.classes || [];
    const width = proba && proba.shape.length === 2 ? proba.shape[1] : 0;
    const outTable = element("table", { class: "widget-output", id: "widget-output" });
    const header = outTable.createTHead().insertRow();
    header.appendChild(element("th", { scope: "col" }, "#"));
    header.appendChild(element("th", { scope: "col" }, "Prediction"));
    for (let k = 0; k < width; k++) {
      header.appendChild(element("th", { scope: "col" }, "P(" + (k < classes.length ? classes[k] : k) + ")"));
    }
    const outBody = outTable.createTBody();
    for (let r = 0; r < predicted.length; r++) {
      const row = outBody.insertRow();
      row.appendChild(element("th", { scope: "row" }, r + 1));
      row.appendChild(element("td", { class: "prediction" }, formatLabel(predicted[r])));
      for (let k = 0; k < width; k++) {
        row.appendChild(element("td", { class: "num" }, formatNumber(proba.data[r * width + k])));
      }
    }
    result.appendChild(outTable);

    const chart = element("div", { class: "widget-chart", id: "widget-chart", role: "img" });
    if (width > 0) {
      chart.setAttribute("aria-label", "class probabilities per row");
      for (let r = 0; r < predicted.length; r++) {
        const group = element("div", { class: "bar-group" });
        group.appendChild(element("div", { class: "bar-title" }, "row " + (r + 1)));
        for (let k = 0; k < width; k++) {
          const value = proba.data[r * width + k];
          group.appendChild(bar(k < classes.length ? classes[k] : k, value, value, k));
        }
        chart.appendChild(group);
      }
    } else {
      chart.setAttribute("aria-label", "predictions per row");
      const numbers = predicted.filter((value) => typeof value === "number");
      const largest = Math.max(1e-300, ...numbers.map(Math.abs));
      const group = element("div", { class: "bar-group" });
      predicted.forEach((value, r) => {
        const share = typeof value === "number" ? Math.abs(value) / largest : 0;
        group.appendChild(bar("row " + (r + 1), share, value, 0));
      });
      chart.appendChild(group);
    }
    result.appendChild(chart);
  }

  function bar(label, share, value, colour) {
    const line = element("div", { class: "bar-line" });
    line.appendChild(element("span", { class: "bar-label" }, label));
    const track = element("span", { class: "bar-track" });
    const fill = element("span", { class: "bar-fill colour-" + (colour % 8) });
    // CSSOM, not a style attribute: the page's policy allows no inline style markup.
    fill.style.width = (Math.max(0, Math.min(1, share)) * 100).toFixed(2) + "%";
    track.appendChild(fill);
    line.append(track, element("span", { class: "bar-value" }, formatNumber(value)));
    return line;
  }

  submitButton.addEventListener("click", async () => {
    let columns;
    try {
      columns = readColumns();
    } catch (error) {
      status.textContent = error.message;
      status.className = "widget-status bad";
      return;
    }
    status.textContent = "Computing…";
    status.className = "widget-status";
    submitButton.disabled = true;
    try {
      const response = await fetch(config.infer_url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(request(columns)),
      });
      const answer = await response.json().catch(() => ({ error: "the server's reply is not JSON" }));
      if (!response.ok) {
        throw new Error(answer.error || "HTTP " + response.status);
      }
      show(answer);
      status.textContent = "Done: " + body.rows.length + " row(s).";
      status.className = "widget-status good";
    } catch (error) {
      result.replaceChildren();
      status.textContent = "Error: " + error.message;
      status.className = "widget-status bad";
    } finally {
      submitButton.disabled = false;
    }
  });
})();

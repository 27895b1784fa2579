// Filters for the table of losses: plain JavaScript, no library, works offline.
document.addEventListener("DOMContentLoaded", () => {
  for (const finder of document.querySelectorAll(".lossref-finder")) {
    const form = finder.querySelector("form");
    const rows = [...finder.querySelectorAll("tbody tr")];
    const update = () => {
      const family = form.elements.family.value;
      const wanted = ["convex", "bounded", "smooth", "robust"].filter((name) => form.elements[name].checked);
      let shown = 0;
      for (const row of rows) {
        const visible = (!family || row.dataset.family === family) &&
          wanted.every((name) => row.dataset[name] === "yes");
        row.hidden = !visible;
        shown += visible;
      }
      form.elements.count.value = `${shown} of ${rows.length} losses`;
    };
    form.addEventListener("input", update);
    form.addEventListener("submit", (event) => event.preventDefault());
    update();
  }
});

// Curves drawn from build-time JSON: the hyperparameter explorers on loss pages and the
// "Compare losses" page. Two SVG panels (loss, gradient); no plotting library. They are drawn
// in the static figure's style: its palette (both themes), fonts, sizes and margins come with
// the data, from the constants lossref/plotting.py draws the figure with.
const SVG_NS = "http://www.w3.org/2000/svg";

function svgElement(name, attributes, text) {
  const element = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  if (text !== undefined) element.textContent = text;
  return element;
}

// Both themes' colours as custom properties; lossref.css picks the set of the reader's theme,
// so the palette toggle recolours without a redraw.
function applyStyle(container, style) {
  for (const theme of ["light", "dark"]) {
    const colours = style[theme];
    for (const key of ["ink", "grid", "zero"]) container.style.setProperty(`--lossref-${theme}-${key}`, colours[key]);
    colours.series.forEach((c, k) => container.style.setProperty(`--lossref-${theme}-series-${k}`, c));
  }
  container.style.setProperty("--lossref-font", style.font);
}

// Ticks as matplotlib's default locator places them: the smallest step of 1, 2, 2.5, 5 or 10
// times a power of ten that gives at most `bins` intervals.
function niceTicks(low, high, bins) {
  const span = high - low || 1;
  const power = 10 ** Math.floor(Math.log10(span / bins));
  const unit = [1, 2, 2.5, 5, 10, 20].map((m) => m * power).find((s) => Math.floor(high / s) - Math.ceil(low / s) <= bins);
  const ticks = [];
  for (let k = Math.ceil(low / unit - 1e-9); k * unit <= high + unit * 1e-9; k += 1) ticks.push(+(k * unit).toPrecision(12));
  const decimals = Math.max(0, ...ticks.map((t) => (String(t).split(".")[1] || "").length));
  return ticks.map((t) => ({ value: t, text: t.toFixed(Math.min(decimals, 6)).replace("-", "\u2212") }));
}

// curves: [{x: [low, high], y: [...], className}]; yRange: [low, high] fixed across redraws
function drawPanel(svg, style, { title, yLabel, xLabel, curves, yRange }) {
  svg.replaceChildren();
  const box = style.box;
  const size = style.font_size;
  const width = style.axis_width;
  const [left, right, top, bottom] = [box.left, box.width - box.right, box.top, box.height - box.bottom];
  let [x0, x1] = [Math.min(...curves.map((c) => c.x[0])), Math.max(...curves.map((c) => c.x[1]))];
  if (!curves.length) [x0, x1] = [0, 1];
  const margin = (x1 - x0) * 0.05;  // matplotlib's default axes margin
  const [y0, y1] = yRange[0] === yRange[1] ? [yRange[0] - 1, yRange[1] + 1] : yRange;
  const sx = (x) => left + ((x - x0 + margin) / (x1 - x0 + 2 * margin)) * (right - left);
  const sy = (y) => bottom - ((y - y0) / (y1 - y0)) * (bottom - top);
  const text = (attributes, content) => svg.append(svgElement("text", { "font-size": size, ...attributes }, content));
  const yTicks = niceTicks(y0, y1, Math.floor((bottom - top) / (2 * size)));
  for (const t of yTicks) {
    svg.append(svgElement("line", { x1: left, x2: right, y1: sy(t.value), y2: sy(t.value), class: "grid", "stroke-width": width, "stroke-opacity": style.grid_alpha }));
    svg.append(svgElement("line", { x1: left - 3.5, x2: left, y1: sy(t.value), y2: sy(t.value), class: "axis", "stroke-width": width }));
    text({ x: left - 7, y: sy(t.value) + size * 0.35, "text-anchor": "end" }, t.text);
  }
  for (const t of niceTicks(x0 - margin, x1 + margin, Math.floor((right - left) / (3 * size)))) {
    svg.append(svgElement("line", { x1: sx(t.value), x2: sx(t.value), y1: top, y2: bottom, class: "grid", "stroke-width": width, "stroke-opacity": style.grid_alpha }));
    svg.append(svgElement("line", { x1: sx(t.value), x2: sx(t.value), y1: bottom, y2: bottom + 3.5, class: "axis", "stroke-width": width }));
    text({ x: sx(t.value), y: bottom + 7 + size * 0.8, "text-anchor": "middle" }, t.text);
  }
  if (y0 < 0 && y1 > 0) svg.append(svgElement("line", { x1: left, x2: right, y1: sy(0), y2: sy(0), class: "zero", "stroke-width": width }));
  text({ x: (left + right) / 2, y: top - 6, "text-anchor": "middle", "font-size": style.title_size }, title);
  text({ x: (left + right) / 2, y: bottom + 11 + 2 * size, "text-anchor": "middle" }, xLabel);
  if (yLabel) {
    const widest = Math.max(...yTicks.map((t) => t.text.length));
    const x = Math.max(size, left - 11 - widest * size * 0.6);
    text({ x, y: (top + bottom) / 2, "text-anchor": "middle", transform: `rotate(-90 ${x} ${(top + bottom) / 2})` }, yLabel);
  }
  for (const curve of curves) {
    const n = curve.y.length;
    let d = "";
    let pen = "M";
    curve.y.forEach((y, i) => {
      if (y === null || y < y0 - (y1 - y0) || y > y1 + (y1 - y0)) { pen = "M"; return; }
      const x = curve.x[0] + ((curve.x[1] - curve.x[0]) * i) / (n - 1);
      d += `${pen}${sx(x).toFixed(1)},${sy(Math.min(Math.max(y, y0 - 1e-9), y1)).toFixed(1)}`;
      pen = "L";
    });
    const reference = curve.className === "reference";
    svg.append(svgElement("path", { d, class: curve.className, "stroke-width": reference ? style.line_width * 0.6 : style.line_width }));
  }
  // the figure's spines: left and bottom only
  svg.append(svgElement("polyline", { points: `${left},${top} ${left},${bottom} ${right},${bottom}`, class: "axis", "stroke-width": width }));
}

function range(rows, limits) {
  const finite = rows.flat().filter((v) => v !== null);
  let [low, high] = [Math.min(0, ...finite), Math.max(...finite)];
  if (limits) [low, high] = [Math.max(low, limits[0]), Math.min(high, limits[1])];
  const pad = (high - low) * 0.05;
  return [low - pad, high + pad];
}

function legendItem(className, content) {
  const item = document.createElement("li");
  item.className = className;
  item.textContent = content;
  return item;
}

// Draw once the element scrolls near the viewport: nothing is computed for a reader who
// never gets that far, and the page's first paint does not wait for it.
function whenVisible(element, callback) {
  if (!("IntersectionObserver" in window)) return callback();
  const observer = new IntersectionObserver((entries) => {
    if (entries.some((entry) => entry.isIntersecting)) {
      observer.disconnect();
      callback();
    }
  }, { rootMargin: "200px" });
  observer.observe(element);
}

document.addEventListener("DOMContentLoaded", () => {
  for (const explorer of document.querySelectorAll(".lossref-explorer")) {
    const data = JSON.parse(explorer.querySelector("script").textContent);
    const slider = explorer.querySelector("input");
    const output = explorer.querySelector("output");
    const legend = explorer.querySelector(".lossref-legend");
    const [valuePanel, gradPanel] = explorer.querySelectorAll("svg");
    const valueRange = range(data.loss, data.y_limits);
    const gradRange = data.grad[0] ? range(data.grad, null) : null;
    applyStyle(explorer, data.style);
    // hidden without JavaScript, where the static figure stands alone; one that sweeps the
    // figure's own curves takes the figure's place instead of repeating it
    explorer.hidden = false;
    if (explorer.hasAttribute("data-replaces-figure")) {
      for (const image of document.querySelectorAll("img.lossref-plot")) image.classList.add("lossref-replaced");
    }
    const draw = () => {
      const i = +slider.value;
      const text = `${data.name} = ${data.values[i]}`;
      output.value = text;
      slider.setAttribute("aria-valuetext", text);
      const pair = (rows) => [
        { x: data.x, y: rows[data.start], className: "reference" },
        { x: data.x, y: rows[i], className: "series-0" },
      ];
      drawPanel(valuePanel, data.style, { title: data.title, yLabel: "ℓ", xLabel: data.x_label, curves: pair(data.loss), yRange: valueRange });
      if (gradRange) drawPanel(gradPanel, data.style, { title: data.grad_label, yLabel: "∂ℓ", xLabel: data.x_label, curves: pair(data.grad), yRange: gradRange });
      legend.replaceChildren(legendItem("series-0", text),
        ...(i === data.start ? [] : [legendItem("reference", `${data.name} = ${data.values[data.start]} (default)`)]));
    };
    slider.addEventListener("input", draw);
    whenVisible(explorer, draw);
  }

  for (const compare of document.querySelectorAll(".lossref-compare")) {
    const groups = JSON.parse(compare.querySelector("script").textContent);
    const select = compare.querySelector("select");
    const choices = compare.querySelector(".lossref-choices");
    const legend = compare.querySelector(".lossref-legend");
    const [valuePanel, gradPanel] = compare.querySelectorAll("svg");
    const draw = () => {
      const group = groups[+select.value];
      applyStyle(compare, group.style);
      const chosen = [...choices.querySelectorAll("input:checked")].map((box) => group.curves[+box.value]);
      const styled = (key) => chosen.filter((c) => c[key]).map((c, k) => ({ x: c.x, y: c[key], className: `series-${k % 6}` }));
      const limits = chosen.map((c) => c.y_limits).find(Boolean) || null;
      drawPanel(valuePanel, group.style, { title: "loss ℓ", yLabel: "ℓ", xLabel: group.x_label, curves: styled("loss"), yRange: range(chosen.map((c) => c.loss), limits) });
      const grads = chosen.filter((c) => c.grad).map((c) => c.grad);
      drawPanel(gradPanel, group.style, { title: "derivative", yLabel: "∂ℓ", xLabel: group.x_label, curves: styled("grad"), yRange: grads.length ? range(grads, null) : [0, 0] });
      legend.replaceChildren(...chosen.map((c, k) => legendItem(`series-${k % 6}`, c.series ? `${c.name} (${c.series})` : c.name)));
    };
    const fill = () => {
      const group = groups[+select.value];
      choices.replaceChildren(...group.curves.map((c, k) => {
        const label = document.createElement("label");
        const box = document.createElement("input");
        Object.assign(box, { type: "checkbox", value: k, checked: k < 3 });
        label.append(box, ` ${c.name}`);
        return label;
      }));
      draw();
    };
    select.addEventListener("change", fill);
    choices.addEventListener("change", draw);
    fill();
  }
});

// The search overlay is a dialog: give it an accessible name.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelector(".md-search[role=dialog]")?.setAttribute("aria-label", "Search the site");
});

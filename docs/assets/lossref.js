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
// "Compare losses" page. Two SVG panels (loss, gradient); no plotting library.
const SVG_NS = "http://www.w3.org/2000/svg";
const BOX = { width: 420, height: 270, left: 48, right: 10, top: 24, bottom: 40 };

function svgElement(name, attributes, text) {
  const element = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  if (text !== undefined) element.textContent = text;
  return element;
}

function niceTicks(low, high) {
  const span = high - low || 1;
  const step = 10 ** Math.floor(Math.log10(span / 4));
  const unit = [1, 2, 5, 10].map((m) => m * step).find((s) => span / s <= 5);
  const ticks = [];
  for (let k = Math.ceil(low / unit); k * unit <= high + unit * 1e-9; k += 1) ticks.push(+(k * unit).toPrecision(6));
  return ticks;
}

// curves: [{x: [low, high], y: [...], className}]; yRange: [low, high] fixed across redraws
function drawPanel(svg, { title, xLabel, curves, yRange }) {
  svg.replaceChildren();
  const [x0, x1] = [Math.min(...curves.map((c) => c.x[0])), Math.max(...curves.map((c) => c.x[1]))];
  const [y0, y1] = yRange[0] === yRange[1] ? [yRange[0] - 1, yRange[1] + 1] : yRange;
  const sx = (x) => BOX.left + ((x - x0) / (x1 - x0)) * (BOX.width - BOX.left - BOX.right);
  const sy = (y) => BOX.height - BOX.bottom - ((y - y0) / (y1 - y0)) * (BOX.height - BOX.top - BOX.bottom);
  for (const t of niceTicks(y0, y1)) {
    svg.append(svgElement("line", { x1: BOX.left, x2: BOX.width - BOX.right, y1: sy(t), y2: sy(t), class: t === 0 ? "zero" : "grid" }));
    svg.append(svgElement("text", { x: BOX.left - 6, y: sy(t) + 4, "text-anchor": "end" }, String(t)));
  }
  for (const t of niceTicks(x0, x1)) {
    svg.append(svgElement("line", { x1: sx(t), x2: sx(t), y1: BOX.top, y2: BOX.height - BOX.bottom, class: "grid" }));
    svg.append(svgElement("text", { x: sx(t), y: BOX.height - BOX.bottom + 16, "text-anchor": "middle" }, String(t)));
  }
  svg.append(svgElement("text", { x: BOX.width / 2, y: 14, "text-anchor": "middle", class: "title" }, title));
  svg.append(svgElement("text", { x: BOX.width / 2, y: BOX.height - 6, "text-anchor": "middle" }, xLabel));
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
    svg.append(svgElement("path", { d, class: curve.className }));
  }
  svg.append(svgElement("rect", { x: BOX.left, y: BOX.top, width: BOX.width - BOX.left - BOX.right, height: BOX.height - BOX.top - BOX.bottom, class: "frame" }));
}

function range(rows, limits) {
  const finite = rows.flat().filter((v) => v !== null);
  let [low, high] = [Math.min(0, ...finite), Math.max(...finite)];
  if (limits) [low, high] = [Math.max(low, limits[0]), Math.min(high, limits[1])];
  const pad = (high - low) * 0.05;
  return [low - pad, high + pad];
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
    const [valuePanel, gradPanel] = explorer.querySelectorAll("svg");
    const valueRange = range(data.loss, data.y_limits);
    const gradRange = data.grad[0] ? range(data.grad, null) : null;
    const draw = () => {
      const i = +slider.value;
      const text = `${data.name} = ${data.values[i]}`;
      output.value = text;
      slider.setAttribute("aria-valuetext", text);
      const pair = (rows) => [
        { x: data.x, y: rows[data.start], className: "reference" },
        { x: data.x, y: rows[i], className: "series-0" },
      ];
      drawPanel(valuePanel, { title: "loss ℓ", xLabel: data.x_label, curves: pair(data.loss), yRange: valueRange });
      if (gradRange) drawPanel(gradPanel, { title: data.grad_label, xLabel: data.x_label, curves: pair(data.grad), yRange: gradRange });
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
      const chosen = [...choices.querySelectorAll("input:checked")].map((box) => group.curves[+box.value]);
      const styled = (key) => chosen.filter((c) => c[key]).map((c, k) => ({ x: c.x, y: c[key], className: `series-${k % 6}` }));
      const limits = chosen.map((c) => c.y_limits).find(Boolean) || null;
      drawPanel(valuePanel, { title: "loss ℓ", xLabel: group.x_label, curves: styled("loss"), yRange: range(chosen.map((c) => c.loss), limits) });
      const grads = chosen.filter((c) => c.grad).map((c) => c.grad);
      drawPanel(gradPanel, { title: "derivative", xLabel: group.x_label, curves: styled("grad"), yRange: grads.length ? range(grads, null) : [0, 0] });
      legend.replaceChildren(...chosen.map((c, k) => {
        const item = document.createElement("li");
        item.className = `series-${k % 6}`;
        item.textContent = c.series ? `${c.name} (${c.series})` : c.name;
        return item;
      }));
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

// Filters for the table of losses: plain JavaScript, no library, works offline.
document.addEventListener("DOMContentLoaded", () => {
  for (const finder of document.querySelectorAll(".lossref-finder")) {
    const form = finder.querySelector("form");
    const rows = [...finder.querySelectorAll("tbody tr")];
    const update = () => {
      const family = form.elements.family.value;
      const wanted = ["convex", "robust", "smooth"].filter((name) => form.elements[name].checked);
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

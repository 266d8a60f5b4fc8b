// Download any server-drawn chart (<figure class="chart"> with an inline SVG) as PNG.
// Local only: the SVG is drawn on a canvas in the browser.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-chart-png]");
  if (!button) return;
  const svg = button.closest("figure.chart").querySelector("svg");
  const data = new XMLSerializer().serializeToString(svg);
  const image = new Image();
  const width = svg.viewBox.baseVal.width, height = svg.viewBox.baseVal.height;
  image.onload = () => {
    const canvas = document.createElement("canvas");
    canvas.width = width * 2;
    canvas.height = height * 2;
    const context = canvas.getContext("2d");
    context.scale(2, 2);
    context.drawImage(image, 0, 0, width, height);
    canvas.toBlob((blob) => {
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = (button.dataset.chartPng || "chart") + ".png";
      link.click();
      URL.revokeObjectURL(link.href);
    }, "image/png");
  };
  image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(data);
});

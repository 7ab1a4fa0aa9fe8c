// Runs in the JupyterLab page: describe every code cell's prompt and outputs.
// For each image, the share of pixels that are not near-white ('inked').
() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell')].map(cell => ({
  prompt: (cell.querySelector('.jp-InputArea-prompt') || {}).innerText || '',
  errors: [...cell.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
            .map(node => node.innerText.slice(0, 600)),
  renderedWidgets: cell.querySelectorAll('.jp-OutputArea-output .widget-box, .jp-OutputArea-output .jupyter-widgets, .jp-OutputArea-output .widget-inline-hbox, .jp-OutputArea-output .widget-output').length,
  widgetText: cell.innerText.includes('Error displaying widget') || cell.innerText.includes('Loading widget'),
  images: [...cell.querySelectorAll('.jp-OutputArea-output img')].map(img => {
    if (!img.complete || img.naturalWidth === 0) return 0;
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
    const context = canvas.getContext('2d');
    context.drawImage(img, 0, 0);
    const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
    let inked = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] > 0 && (data[i] < 200 || data[i + 1] < 200 || data[i + 2] < 200)) inked++;
    }
    return inked / (data.length / 4);
  }),
}))

// Runs in the JupyterLab page: describe every code cell's prompt and outputs.
// For each image, the share of pixels that are not near-white, by the function in inked.js.
() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell')].map(cell => ({
  prompt: (cell.querySelector('.jp-InputArea-prompt') || {}).innerText || '',
  errors: [...cell.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
            .map(node => node.innerText.slice(0, 600)),
  renderedWidgets: cell.querySelectorAll('.jp-OutputArea-output .widget-box, .jp-OutputArea-output .jupyter-widgets, .jp-OutputArea-output .widget-inline-hbox, .jp-OutputArea-output .widget-output').length,
  widgetText: cell.innerText.includes('Error displaying widget') || cell.innerText.includes('Loading widget'),
  images: [...cell.querySelectorAll('.jp-OutputArea-output img')].map(INKED),
}))

// Shiva: the notebook's terminal page (terminal/js/terminado.js) makes `new Terminal()` with no
// options. This hands it xterm's Terminal with the DOM renderer as its default, so that the
// terminal's rows are text in the page (what screen readers, the browser's Find and the image's
// end-to-end test read) rather than pixels on a canvas.
define(['xterm-browser'], function (Terminal) {
  'use strict';
  function ShivaTerminal(options) {
    return new Terminal(Object.assign({ rendererType: 'dom' }, options));
  }
  // Addons patch the prototype of the real Terminal, which every ShivaTerminal is.
  ShivaTerminal.applyAddon = function (addon) {
    Terminal.applyAddon(addon);
  };
  return ShivaTerminal;
});

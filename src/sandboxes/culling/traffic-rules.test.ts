import { describe, expect, it } from 'vitest';
import { countsAsActivity } from './traffic-rules.js';

describe('which proxied requests count as activity', () => {
  it.each([
    ['GET', '/api/status'],
    ['GET', '/api/kernels'],
    ['GET', '/api/kernels/0b6e6f1a-3f5c-4a4c-9a52-1d2b3c4d5e6f'],
    ['GET', '/api/sessions?_=1700000000000'],
    ['GET', '/api/terminals'],
    ['GET', '/api/contents/work/train.ipynb?content=0&_=1'],
    ['GET', '/api/contents?type=directory'],
    ['GET', '/api/kernelspecs'],
    ['GET', '/api/config/notebook'],
    ['GET', '/api'],
    ['GET', '/api?x=1'],
    ['HEAD', '/api/status'],
    ['GET', '/lab/api/settings'],
    ['GET', '/static/notebook/js/main.min.js?v=1'],
    ['GET', '/nbextensions/jupyter-js-widgets/extension.js'],
    ['GET', '/custom/custom.css'],
    ['GET', '/kernelspecs/python3/logo-64x64.png'],
    ['GET', '/favicon.ico'],
    ['OPTIONS', '/api/contents/a.ipynb'],
  ])("a page's own %s %s does not count", (method, path) => {
    expect(countsAsActivity(method, path)).toBe(false);
  });

  it.each([
    ['PUT', '/api/contents/work/train.ipynb'],
    ['POST', '/api/kernels/0b6e/interrupt'],
    ['POST', '/api/sessions'],
    ['POST', '/api/terminals'],
    ['PATCH', '/api/contents/old.py'],
    ['DELETE', '/api/kernels/0b6e'],
    ['POST', '/api/contents/uploads'],
    ['GET', '/'],
    ['GET', '/tree'],
    ['GET', '/tree/work?'],
    ['GET', '/notebooks/work/train.ipynb'],
    ['GET', '/edit/train.py'],
    ['GET', '/terminals/1'],
    ['GET', '/files/results/model.pt?download=1'],
    ['GET', '/view/report.html'],
    ['GET', '/nbconvert/html/train.ipynb?download=true'],
    ['GET', '/lab'],
    ['GET', '/apis-of-mine'],
    ['HEAD', '/files/big.bin'],
  ])('a person\'s %s %s counts', (method, path) => {
    expect(countsAsActivity(method, path)).toBe(true);
  });
});

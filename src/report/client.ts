// The inline stylesheet and script of index.html (no network: everything is in the page).
// The script reads the counterexamples from the JSON block #foliocheck-data and drives each
// explorer: step buttons and arrow keys move through the steps; every machine's state after
// the current step is shown, with the machines that changed highlighted.

export const CSS = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 0 16px 40px; color: #1d232b; }
h1, h2, h3 { line-height: 1.2; } h2 { border-bottom: 1px solid #d6dbe1; padding-bottom: 4px; margin-top: 36px; }
table { border-collapse: collapse; margin: 8px 0; } th, td { border: 1px solid #d6dbe1; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f3f5f7; } code { font: 12px ui-monospace, monospace; }
.expected { color: #1d232b; } .mismatch { color: #b42318; font-weight: bold; background: #fde8e6; }
.summary { font-size: 15px; max-width: 900px; } .unconfirmed { border-left: 4px solid #d97706; background: #fff7e6; padding: 4px 12px; margin: 8px 0; }
.current-kernel { font: 12px ui-monospace, monospace; color: #52606d; min-height: 1.4em; } code.kernel { color: #52606d; }
.state-graph { margin: 12px 0 24px; overflow-x: auto; } .state-graph figcaption { max-width: 1000px; margin-bottom: 6px; }
.state-graph button { font-size: 12px; margin: 0 4px; } .state-graph button.on { background: #dbe7ff; border-color: #1d4ed8; }
.graph .edges path { fill: none; stroke: #b8c2cc; stroke-width: 1; } .graph .head { fill: #b8c2cc; }
.graph .state circle { fill: #fff; stroke: #52606d; stroke-width: 1.5; } .graph .state circle.ring { fill: none; }
.graph .state.bad circle { fill: #f4b4b4; stroke: #b42318; } .graph .state.on circle { stroke: #1d4ed8; stroke-width: 3; }
.graph .cxpath path { fill: none; stroke: #1d4ed8; stroke-width: 3.5; opacity: 0.85; } .graph .cxpath text { font: bold 11px sans-serif; fill: #1d4ed8; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
.graph .cxpath.hidden { display: none; } .graph .cxpath text.verdict { fill: #b42318; font-size: 12px; }
.chart .doc { color: #52606d; font-size: 12px; margin-left: 6px; font-style: italic; }
.explorer { border: 1px solid #c4ccd6; border-radius: 6px; padding: 10px 14px; margin: 14px 0; outline: none; }
.explorer:focus { border-color: #3b82f6; box-shadow: 0 0 0 2px #bfd7fe; }
.controls { display: flex; gap: 6px; align-items: center; margin: 6px 0; }
.controls button { font-size: 13px; padding: 3px 10px; }
.position { font-weight: bold; margin-left: 8px; }
.current-event { margin-left: 8px; font-family: ui-monospace, monospace; }
.machines td.changed { background: #fff3c4; } .machines td mark { background: #ffd24d; font-weight: bold; }
.machines tr.touched th { background: #ffe08a; }
.steps tr.current td { background: #e6f0ff; }
.seq { font: 11px ui-monospace, monospace; display: block; margin: 8px 0; overflow: visible; }
.seq line.life { stroke: #9aa5b1; stroke-dasharray: 4 3; } .seq rect.head { fill: #eef2f6; stroke: #7b8794; }
.seq text { paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; } .seq text.head { font-weight: bold; stroke: none; } .seq .arrow { color: #243447; } .seq .arrow path { stroke: currentColor; stroke-width: 1.4; }
.seq .arrow.refused { color: #b42318; } .seq .arrow.current { color: #1d4ed8; } .seq .arrow.current path { stroke-width: 3; }
.seq .arrow.future { opacity: 0.3; }
.seq rect.violation { fill: #fde8e6; stroke: #b42318; } .seq text.violation { fill: #b42318; font-weight: bold; }
.growth rect { fill: #5b8def; } .growth text { font: 10px sans-serif; }
.chart, .chart ul { list-style: none; padding-left: 18px; margin: 2px 0; }
.chart li > .node { display: inline-block; border: 1px solid #aab4c0; border-radius: 10px; padding: 0 8px; margin: 1px 0; }
.chart li.visited > .node { background: #d9f2df; border-color: #1a7f37; }
.chart li.unvisited > .node { background: #f6f6f6; color: #8a949e; border-style: dashed; }
.chart li.here > .node { outline: 3px solid #1d4ed8; background: #dbe7ff; color: #1d232b; font-weight: bold; }
.live { display: inline-block; vertical-align: top; margin: 0 24px 8px 0; }
.chart li.parallel > .node::after { content: ' ∥'; } .chart .tr { color: #52606d; font-size: 12px; margin-left: 6px; }
details { margin: 6px 0; } summary { cursor: pointer; }
`;

/** Client code: plain ES2017 in an IIFE, no dependencies. */
export const SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('foliocheck-data').textContent);
  function setUp(root) {
    var cx = data.counterexamples[root.getAttribute('data-cx')];
    var n = cx.steps.length;
    var pos = n;
    var cells = root.querySelectorAll('.machines td.state');
    var rows = root.querySelectorAll('.machines tbody tr');
    var arrows = root.querySelectorAll('.seq .arrow');
    var stepRows = root.querySelectorAll('.steps tbody tr');
    // Words of the state ("pin=pinned", "pins=1") that differ from the previous step are marked.
    function fill(cell, text, prev) {
      var old = prev.split(' ');
      cell.textContent = '';
      text.split(' ').forEach(function (word, w) {
        if (w > 0) cell.appendChild(document.createTextNode(' '));
        if (old.indexOf(word) >= 0) cell.appendChild(document.createTextNode(word));
        else cell.appendChild(document.createElement('mark')).textContent = word;
      });
    }
    function stateAt(k) { return k === 0 ? cx.initial : cx.steps[k - 1].after; }
    function show(k) {
      pos = Math.max(0, Math.min(n, k));
      var now = stateAt(pos);
      var before = stateAt(Math.max(0, pos - 1));
      var touched = pos === 0 ? [] : cx.steps[pos - 1].touched;
      for (var i = 0; i < cells.length; i++) {
        fill(cells[i], now[i], pos > 0 ? before[i] : now[i]);
        cells[i].classList.toggle('changed', pos > 0 && now[i] !== before[i]);
        rows[i].classList.toggle('touched', touched.indexOf(cx.instances[i]) >= 0);
      }
      for (var j = 0; j < arrows.length; j++) {
        arrows[j].classList.toggle('current', j === pos - 1);
        arrows[j].classList.toggle('future', j >= pos);
      }
      root.querySelectorAll('.live').forEach(function (chart) {
        var inst = Number(chart.getAttribute('data-inst'));
        var paths = pos === 0 ? cx.initialPaths[inst] : cx.steps[pos - 1].paths[inst];
        chart.querySelectorAll('li[data-path]').forEach(function (li) {
          li.classList.toggle('here', paths.indexOf(li.getAttribute('data-path')) >= 0);
        });
      });
      for (var r = 0; r < stepRows.length; r++) stepRows[r].classList.toggle('current', r === pos - 1);
      root.querySelector('.position').textContent = pos === 0 ? 'initial state' : 'after step ' + pos + ' of ' + n;
      var step = pos === 0 ? null : cx.steps[pos - 1];
      var ev = step === null ? '' : step.actor + ': ' + step.label + ' → ' + step.outcome;
      if (cx.loop !== null && pos - 1 >= cx.loop) ev += '   ⟲ in the loop that repeats forever';
      if (pos === n) ev += '   ✗ violates ' + cx.property;
      root.querySelector('.current-event').textContent = ev;
      root.querySelector('.current-kernel').textContent = step !== null && step.kernel ? 'kernel: ' + step.kernel : '';
    }
    var actions = { first: function () { show(0); }, prev: function () { show(pos - 1); },
      next: function () { show(pos + 1); }, last: function () { show(n); } };
    root.querySelectorAll('button[data-go]').forEach(function (b) {
      b.addEventListener('click', function () { actions[b.getAttribute('data-go')](); root.focus(); });
    });
    root.addEventListener('keydown', function (e) {
      var go = { ArrowLeft: 'prev', ArrowRight: 'next', Home: 'first', End: 'last' }[e.key];
      if (go) { actions[go](); e.preventDefault(); }
    });
    show(0);
  }
  document.querySelectorAll('.explorer').forEach(setUp);
  // State graphs: a button per counterexample shows that path (and its states) instead.
  document.querySelectorAll('button[data-graph]').forEach(function (b) {
    b.addEventListener('click', function () {
      var svg = document.getElementById(b.getAttribute('data-graph'));
      var k = b.getAttribute('data-path');
      svg.querySelectorAll('.cxpath').forEach(function (g) { g.classList.toggle('hidden', g.getAttribute('data-cx') !== k); });
      svg.querySelectorAll('.state').forEach(function (g) {
        g.classList.toggle('on', (g.getAttribute('data-on') || '').split(' ').indexOf(k) >= 0);
      });
      var fig = svg.closest('figure');
      fig.querySelectorAll('button[data-graph]').forEach(function (o) { o.classList.toggle('on', o === b); });
      fig.querySelector('.path-name').textContent = b.getAttribute('data-name');
    });
  });
})();
`;

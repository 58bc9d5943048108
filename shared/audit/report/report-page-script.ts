/**
 * The page's only script, inline (the CSP admits it by hash). It reads the estate from the
 * `application/json` block and only ever writes text with `textContent`, never markup, so tag
 * values stay text. Plain ES2017 with no template literals: it is kept as a string here so that
 * bundlers carry it unchanged.
 */
export const REPORT_PAGE_SCRIPT = `
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('estate-data').textContent);
  var F = {};
  data.fields.forEach(function (field, index) { F[field] = index; });
  var rows = data.rows;
  var haystacks = rows.map(function (r) {
    return [r[F.key], r[F.name], r[F.owner], r[F.costCenter], r[F.account], r[F.accountName], r[F.status]].join('\\n').toLowerCase();
  });
  var ROWS_PER_PAGE = 50;
  var TREES_PER_PAGE = 25;
  var byId = function (id) { return document.getElementById(id); };
  var controls = {
    q: byId('q'), owner: byId('f-owner'), status: byId('f-status'),
    account: byId('f-account'), region: byId('f-region'), flag: byId('f-flag')
  };
  // Tree i is a <details data-tree="i">, or, past the first page, a <template data-tree="i">
  // holding one: inert markup the browser neither styles nor lays out until it is shown.
  var trees = Array.prototype.slice.call(document.querySelectorAll('details.tree, template.tree-later'));
  function treeElement(index) {
    var slot = trees[index];
    if (slot.tagName === 'TEMPLATE') {
      var details = slot.content.firstElementChild;
      slot.replaceWith(details);
      trees[index] = details;
      return details;
    }
    return slot;
  }
  var state = { matches: rows.map(function (_, i) { return i; }), hits: null, page: 0, treeLimit: TREES_PER_PAGE };
  var marked = [];

  function readFilters() {
    return {
      q: controls.q.value.trim().toLowerCase(), owner: controls.owner.value, status: controls.status.value,
      account: controls.account.value, region: controls.region.value, flag: controls.flag.value
    };
  }
  function isFiltering(f) { return !!(f.q || f.owner || f.status || f.account || f.region || f.flag); }
  function sameChoice(choice, value) { return !choice || choice === (value ? 'v:' + value : 'none'); }
  function rowMatches(i, f) {
    var r = rows[i];
    return sameChoice(f.owner, r[F.owner]) && sameChoice(f.status, r[F.status]) &&
      sameChoice(f.account, r[F.account]) && sameChoice(f.region, r[F.region]) &&
      (!f.flag || r[F.flags].indexOf(f.flag) >= 0) && (!f.q || haystacks[i].indexOf(f.q) >= 0);
  }

  function apply() {
    var f = readFilters();
    var matches = [];
    for (var i = 0; i < rows.length; i++) if (rowMatches(i, f)) matches.push(i);
    var hits = null;
    if (isFiltering(f)) {
      hits = {};
      matches.forEach(function (i) { (hits[rows[i][F.tree]] = hits[rows[i][F.tree]] || []).push(rows[i][F.node]); });
    }
    state = { matches: matches, hits: hits, page: 0, treeLimit: TREES_PER_PAGE };
    document.querySelectorAll('.card[data-flag]').forEach(function (card) {
      card.setAttribute('aria-pressed', String(card.dataset.flag === f.flag));
    });
    showTrees();
    showRows();
  }

  function unmark() {
    marked.forEach(function (node) { node.classList.remove('hit'); });
    marked = [];
  }
  function mark(tree, nodes) {
    nodes.forEach(function (n) {
      var node = byId('t' + tree + 'n' + n);
      if (node) { node.classList.add('hit'); marked.push(node); }
    });
  }
  function showTrees() {
    unmark();
    var shown = 0, matching = 0;
    trees.forEach(function (slot, index) {
      var tree = Number(slot.dataset.tree);
      var hit = state.hits === null || state.hits[tree] !== undefined;
      var visible = hit && shown < state.treeLimit;
      if (hit) matching++;
      if (visible) shown++;
      if (!visible && slot.tagName === 'TEMPLATE') return;
      var details = treeElement(index);
      details.hidden = !visible;
      details.classList.toggle('filtering', state.hits !== null && visible);
      if (visible && state.hits !== null) mark(tree, state.hits[tree]);
    });
    byId('tree-count').textContent = 'showing ' + shown + ' of ' + matching + ' matching trees (' + trees.length + ' in all)';
    byId('more-trees').hidden = shown >= matching;
  }

  function cell(row, text, className) {
    var td = document.createElement('td');
    td.textContent = text === undefined || text === null ? '' : String(text);
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  }
  function badge(parent, text, className) {
    var span = document.createElement('span');
    span.className = className;
    span.textContent = text;
    parent.appendChild(span);
  }
  function rowElement(r) {
    var tr = document.createElement('tr');
    var style = data.statuses[r[F.status]] || data.statuses.unevaluated;
    badge(cell(tr, ''), style.symbol + ' ' + style.label, 'status st-' + (data.statuses[r[F.status]] ? r[F.status] : 'unevaluated'));
    var idCell = cell(tr, '', 'mono');
    var jump = document.createElement('button');
    jump.className = 'link mono';
    jump.textContent = r[F.id];
    jump.title = 'open its family tree';
    jump.addEventListener('click', function () { openTree(r[F.tree]); });
    idCell.appendChild(jump);
    cell(tr, r[F.kind], 'nowrap');
    [r[F.name], r[F.owner], r[F.costCenter]].forEach(function (v) { cell(tr, v, 'text'); });
    cell(tr, r[F.accountName] ? r[F.account] + ' · ' + r[F.accountName] : r[F.account], 'nowrap');
    cell(tr, r[F.region], 'nowrap');
    cell(tr, r[F.generation], 'num');
    cell(tr, r[F.ageDays], 'num');
    cell(tr, r[F.sizeGiB], 'num');
    cell(tr, '$' + r[F.monthlyCost].toFixed(2), 'num');
    var flags = cell(tr, '');
    r[F.flags].forEach(function (flag) { badge(flags, data.flagLabels[flag] || flag, 'flag flag-' + flag); });
    return tr;
  }
  function showRows() {
    var body = byId('clone-rows');
    var start = state.page * ROWS_PER_PAGE;
    var fragment = document.createDocumentFragment();
    state.matches.slice(start, start + ROWS_PER_PAGE).forEach(function (i) { fragment.appendChild(rowElement(rows[i])); });
    body.textContent = '';
    body.appendChild(fragment);
    var end = Math.min(start + ROWS_PER_PAGE, state.matches.length);
    byId('match-count').textContent = state.matches.length + ' of ' + rows.length + ' clones';
    byId('page-info').textContent = state.matches.length === 0 ? 'no clone matches' :
      'clones ' + (start + 1) + '–' + end + ' of ' + state.matches.length;
    byId('prev-page').disabled = state.page === 0;
    byId('next-page').disabled = end >= state.matches.length;
  }
  function openTree(tree) {
    var index = -1;
    for (var i = 0; i < trees.length && index < 0; i++) if (Number(trees[i].dataset.tree) === Number(tree)) index = i;
    if (index < 0) return;
    var details = treeElement(index);
    details.hidden = false;
    details.open = true;
    details.scrollIntoView({ block: 'start' });
  }

  Object.keys(controls).forEach(function (name) { controls[name].addEventListener('input', apply); });
  document.querySelectorAll('.card[data-flag]').forEach(function (card) {
    card.addEventListener('click', function () {
      controls.flag.value = controls.flag.value === card.dataset.flag ? '' : card.dataset.flag;
      apply();
    });
  });
  byId('reset').addEventListener('click', function () {
    Object.keys(controls).forEach(function (name) { controls[name].value = ''; });
    apply();
  });
  byId('prev-page').addEventListener('click', function () { state.page--; showRows(); });
  byId('next-page').addEventListener('click', function () { state.page++; showRows(); });
  byId('more-trees').addEventListener('click', function () { state.treeLimit += TREES_PER_PAGE; showTrees(); });
  document.querySelectorAll('[data-needs-js]').forEach(function (element) { element.hidden = false; });
  apply();
})();
`;

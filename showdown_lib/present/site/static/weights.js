/* Showdown: your own weights, in the browser.
 * Reads the JSON embedded in the page (a page opened from the file system cannot load other local files by script):
 * each edition's criterion scores (the kernel's inputs), the weights it was scored with and the kernel's outputs
 * under them. It re-scores every framework as the aggregation kernel (showdown_lib.method.kernel) does and redraws the
 * ranking with tiers. This file is a port of the kernel: weighted means with n/a left out, ranks that tied scores
 * (equal to 6 decimals) share, tiers at the largest gaps. The browser test checks it against the kernel's outputs
 * on every edition and on random weights. */
(function () {
  "use strict";

  // numpy's round(x, 6): multiply, round half to even, divide
  function rint(x) {
    var r = Math.round(x);
    if (Math.abs(x % 1) === 0.5) { r = 2 * Math.round(x / 2); }
    return r;
  }
  function round6(x) { return rint(x * 1e6) / 1e6; }

  /* Tiers at the largest gaps: scores (numbers or null) -> tiers (1 = best, null without a score).
   * Zero gaps are never cut; of equal gaps the one nearer the top is cut first. */
  function assignTiers(scores, nTiers) {
    if (!(nTiers >= 1)) { throw new Error("nTiers must be at least 1"); }
    var valid = [];
    scores.forEach(function (s, i) {
      if (s !== null && s !== undefined && isFinite(s)) { valid.push({ i: i, v: round6(s) }); }
    });
    valid.sort(function (a, b) { return (b.v - a.v) || (a.i - b.i); });
    var tiers = scores.map(function () { return null; });
    if (!valid.length) { return tiers; }
    var cands = [];
    for (var k = 0; k < valid.length - 1; k++) {
      var g = valid[k].v - valid[k + 1].v;
      if (g > 0) { cands.push({ g: g, k: k }); }
    }
    cands.sort(function (a, b) { return (b.g - a.g) || (a.k - b.k); });
    var cuts = cands.slice(0, nTiers - 1).map(function (c) { return c.k; });
    valid.forEach(function (item, pos) {
      tiers[item.i] = 1 + cuts.filter(function (c) { return pos > c; }).length;
    });
    return tiers;
  }

  function weightedMean(pairs) {
    var num = 0, den = 0, n = 0;
    pairs.forEach(function (p) {
      if (p[0] !== null && p[0] !== undefined) { num += p[0] * p[1]; den += p[1]; n += 1; }
    });
    return (n && den > 0) ? num / den : null;
  }

  /* Scores of one edition under the weights: [{id, categories: {round: score}, score, rank, tier}] */
  function score(edition, rounds, catW, critW) {
    var rows = edition.frameworks.map(function (fw) {
      var cats = {};
      rounds.forEach(function (r) {
        cats[r.id] = weightedMean(r.criteria.map(function (c) {
          var s = edition.scores[fw.id][c.id];
          return [s === undefined ? null : s, critW[c.id]];
        }));
      });
      var overall = weightedMean(rounds.map(function (r) { return [cats[r.id], catW[r.id]]; }));
      return { id: fw.id, categories: cats, score: overall };
    });
    var tiers = assignTiers(rows.map(function (r) { return r.score; }), edition.n_tiers);
    rows.forEach(function (r, i) {
      r.tier = tiers[i];
      // ties (equal to 6 decimals) share the better rank, as in the kernel
      r.rank = r.score === null ? null : 1 + rows.filter(function (o) { return o.score !== null && round6(o.score) > round6(r.score); }).length;
    });
    rows.sort(function (a, b) {
      if (a.score === null || b.score === null) { return (a.score === null) - (b.score === null); }
      return (b.score - a.score) || (a.id < b.id ? -1 : 1);
    });
    return rows;
  }

  window.showdownWeights = { assignTiers: assignTiers, score: score, round6: round6 };

  var holder = document.getElementById("sd-weights-data");
  var app = document.getElementById("sd-weights-app");
  if (!holder || !app) { return; }
  var data = JSON.parse(holder.textContent);
  var state = { edition: data.default_edition };

  function fmt(x) { return x === null ? "n/a" : x.toFixed(1); }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function weights(prefix, ids) {
    var w = {};
    ids.forEach(function (id) { w[id] = parseFloat(document.getElementById(prefix + id).value); });
    return w;
  }

  function render() {
    var ed = data.editions[state.edition];
    var catW = weights("w-cat-", data.rounds.map(function (r) { return r.id; }));
    var critIds = [];
    data.rounds.forEach(function (r) { r.criteria.forEach(function (c) { critIds.push(c.id); }); });
    var critW = weights("w-crit-", critIds);
    var out = document.getElementById("sd-ranking");
    var caption = document.getElementById("sd-ranking-caption");
    var catSum = Object.keys(catW).reduce(function (a, k) { return a + catW[k]; }, 0);
    var tbody = out.querySelector("tbody");
    tbody.textContent = "";
    if (!(catSum > 0)) {
      caption.textContent = "Every category weighs 0: there is nothing to rank.";
      return;
    }
    var rows = score(ed, data.rounds, catW, critW);
    var byId = {};
    ed.frameworks.forEach(function (f) { byId[f.id] = f; });
    caption.textContent = ed.title + " (as of " + ed.as_of + "): " + rows.length + " frameworks, tiers cut at the " +
      (ed.n_tiers - 1) + " largest gaps.";
    rows.forEach(function (r) {
      var fw = byId[r.id];
      var tr = el("tr", { "data-framework": r.id, "class": r.tier ? "sd-tier-" + r.tier : "" });
      tr.appendChild(el("td", {}, r.rank === null ? "" : String(r.rank)));
      var name = el("td", { "class": "sd-name" });
      var sw = el("span", { "class": "sd-swatch" });
      sw.style.background = fw.color;
      name.appendChild(sw);
      name.appendChild(document.createTextNode(fw.name + (fw.status ? " (" + fw.status + ")" : "")));
      tr.appendChild(name);
      tr.appendChild(el("td", {}, fmt(r.score)));
      tr.appendChild(el("td", {}, r.tier === null ? "" : String(r.tier)));
      data.rounds.forEach(function (rd) { tr.appendChild(el("td", {}, fmt(r.categories[rd.id]))); });
      tbody.appendChild(tr);
    });
  }

  function slider(prefix, id, label, start) {
    var w = start === undefined ? 1 : start;  /* a criterion's default weight (criteria.yaml): CPU speed starts at 0 */
    var lab = el("label", { "for": prefix + id });
    lab.appendChild(el("span", {}, label));
    var input = el("input", { type: "range", id: prefix + id, min: "0", max: "3", step: "0.25", value: String(w) });
    input.setAttribute("data-default", String(w));
    var val = el("output", { "for": prefix + id }, w.toFixed(2));
    input.addEventListener("input", function () { val.textContent = parseFloat(input.value).toFixed(2); render(); });
    lab.appendChild(input);
    lab.appendChild(val);
    return lab;
  }

  function build() {
    var controls = el("div", { "class": "sd-controls" });
    var eds = el("fieldset", {});
    eds.appendChild(el("legend", {}, "Edition"));
    data.edition_order.forEach(function (id) {
      var lab = el("label", {});
      var radio = el("input", { type: "radio", name: "sd-edition", value: id, id: "sd-edition-" + id });
      if (id === state.edition) { radio.checked = true; }
      radio.addEventListener("change", function () { state.edition = id; render(); });
      lab.appendChild(el("span", {}, data.editions[id].label));
      lab.appendChild(radio);
      eds.appendChild(lab);
    });
    controls.appendChild(eds);
    var cats = el("fieldset", {});
    cats.appendChild(el("legend", {}, "Category weights"));
    data.rounds.forEach(function (r) { cats.appendChild(slider("w-cat-", r.id, r.name)); });
    controls.appendChild(cats);
    var more = el("details", {});
    more.appendChild(el("summary", {}, "Criterion weights (within each category)"));
    data.rounds.forEach(function (r) {
      more.appendChild(el("h4", {}, r.name));
      r.criteria.forEach(function (c) { more.appendChild(slider("w-crit-", c.id, c.name, c.weight)); });
    });
    controls.appendChild(more);
    var reset = el("button", { type: "button", id: "sd-reset" }, "Reset to the default weights");
    reset.addEventListener("click", function () {
      controls.querySelectorAll("input[type=range]").forEach(function (i) {
        i.value = i.getAttribute("data-default");
        i.nextSibling.textContent = parseFloat(i.value).toFixed(2);
      });
      render();
    });
    controls.appendChild(reset);
    app.appendChild(controls);

    var right = el("div", {});
    var table = el("table", { id: "sd-ranking" });
    var cap = el("caption", { id: "sd-ranking-caption" });
    table.appendChild(cap);
    var head = el("tr", {});
    ["rank", "framework", "overall", "tier"].forEach(function (h, i) { head.appendChild(el("th", i === 1 ? { "class": "sd-name" } : {}, h)); });
    data.rounds.forEach(function (r) { head.appendChild(el("th", {}, r.name)); });
    var thead = el("thead", {});
    thead.appendChild(head);
    table.appendChild(thead);
    table.appendChild(el("tbody", {}));
    right.appendChild(table);
    app.appendChild(right);
    render();
  }

  build();
}());

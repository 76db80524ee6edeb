/* budgetsite search (search.html): finds the words of the query in the index the build made
   of every edition's pages (search-index.js, window.BUDGETSITE_SEARCH), as substrings — so
   Chinese needs no word segmentation — and links each hit to its row, section, 名词 or
   绩效目标表. No server, no network: it works from file:// too. */
(function () {
  "use strict";
  var data = window.BUDGETSITE_SEARCH;
  var form = document.getElementById("search-form");
  var input = document.getElementById("search-q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var LIMIT = 200;
  var KINDS = {row: "表格行", section: "正文", term: "名词解释", project: "绩效目标表"};

  /* One character for one: full-width letters and digits as ASCII, letters lower case (the
     positions stay those of the text, for the excerpt). */
  function fold(text) {
    return text.replace(/[\uFF01-\uFF5E]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xFEE0);
    }).replace(/\u3000/g, " ").toLowerCase();
  }

  /* The query's words: 3,764.74 as the index keeps it (3764.74). */
  function words(query) {
    return fold(query).replace(/(\d),(?=\d{3}(?!\d))/g, "$1").split(/\s+/).filter(Boolean);
  }

  var NUMBER = /^\d+(\.\d+)?$/;
  function isDigit(c) { return c >= "0" && c <= "9"; }

  /* Where ``word`` occurs in ``text``: every place, or for a number only where it stands
     whole (64.32 is not found in 164.32, nor 2080902 in 20809021). */
  function find(text, word, from) {
    var number = NUMBER.test(word);
    var at = text.indexOf(word, from || 0);
    while (at >= 0 && number) {
      var before = at > 0 ? text.charAt(at - 1) : "";
      var after = text.charAt(at + word.length);
      if (!isDigit(before) && before !== "." && !isDigit(after)) break;
      at = text.indexOf(word, at + 1);
    }
    return at;
  }

  function count(text, word) {
    var n = 0, at = find(text, word, 0);
    while (at >= 0 && n < 5) { n += 1; at = find(text, word, at + word.length); }
    return n;
  }

  function search(query) {
    var terms = words(query);
    if (!terms.length || !data) return [];
    var hits = [];
    data.records.forEach(function (r, order) {
      var title = fold(r[3]), text = fold(r[4]), keys = r[5];
      var score = 0;
      for (var i = 0; i < terms.length; i++) {
        var t = terms[i];
        var inText = count(text, t), inTitle = find(title, t) >= 0, inKeys = keys && find(keys, t) >= 0;
        if (!inText && !inTitle && !inKeys) return;
        score += inText + (inTitle ? 3 : 0) + (inKeys ? 3 : 0) + (text.indexOf(t) === 0 ? 5 : 0);
      }
      if (r[2] !== "section") score += 2;  // a row, a 名词, a table: the thing itself
      hits.push({record: r, score: score, order: order, terms: terms});
    });
    hits.sort(function (a, b) {
      return b.score - a.score || data.pages[b.record[0]][1] - data.pages[a.record[0]][1] || a.order - b.order;
    });
    return hits;
  }

  /* About 90 characters of the record's text around the first word found, words marked. */
  function excerpt(hit) {
    var text = hit.record[4], folded = fold(text), first = -1;
    hit.terms.forEach(function (t) {
      var at = find(folded, t);
      if (at >= 0 && (first < 0 || at < first)) first = at;
    });
    var start = Math.max(0, first - 30), end = Math.min(text.length, start + 90);
    var p = document.createElement("p");
    p.className = "search-excerpt";
    if (start > 0) p.appendChild(document.createTextNode("…"));
    var piece = text.slice(start, end), low = folded.slice(start, end), pos = 0;
    while (pos < piece.length) {
      var next = -1, len = 0;
      hit.terms.forEach(function (t) {
        var at = find(low, t, pos);
        if (at >= 0 && (next < 0 || at < next)) { next = at; len = t.length; }
      });
      if (next < 0) break;
      p.appendChild(document.createTextNode(piece.slice(pos, next)));
      var mark = document.createElement("mark");
      mark.textContent = piece.slice(next, next + len);
      p.appendChild(mark);
      pos = next + len;
    }
    p.appendChild(document.createTextNode(piece.slice(pos)));
    if (end < text.length) p.appendChild(document.createTextNode("…"));
    return p;
  }

  function show(query) {
    list.textContent = "";
    if (!data) {
      status.textContent = "找不到搜索索引（search-index.js）：请重新生成网站。";
      return;
    }
    var hits = search(query);
    if (!words(query).length) return;
    status.textContent = hits.length
      ? "“" + query + "”共找到 " + hits.length + " 处" + (hits.length > LIMIT ? "，显示前 " + LIMIT + " 处" : "") + "。"
      : "没有找到“" + query + "”。请换一个词，或只输入词的一部分。";
    hits.slice(0, LIMIT).forEach(function (hit) {
      var r = hit.record, page = data.pages[r[0]];
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = page[0] + (r[1] ? "#" + r[1] : "");
      a.className = "search-hit";
      a.textContent = r[3] || page[2];
      var where = document.createElement("p");
      where.className = "search-where";
      where.textContent = page[1] + "年 · " + page[2] + " · " + (KINDS[r[2]] || "");
      li.appendChild(a);
      li.appendChild(where);
      li.appendChild(excerpt(hit));
      list.appendChild(li);
    });
  }

  var query = new URLSearchParams(window.location.search).get("q") || "";
  input.value = query;
  show(query);
  if (form) {
    form.addEventListener("submit", function (event) {
      /* from file:// and over http alike: a new query without reloading the index */
      event.preventDefault();
      try {
        window.history.replaceState(null, "", "?q=" + encodeURIComponent(input.value));
      } catch (e) { /* some browsers refuse it from file://; the results show all the same */ }
      show(input.value);
    });
  }
})();

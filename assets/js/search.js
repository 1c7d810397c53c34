/* Site search: the search page's form, over the Pagefind index the build made of this language's pages.
   Everything it loads comes from this site (pagefind.js, its worker, WebAssembly and index files). The page's
   language (<html lang>) picks the index, so a visitor finds pages in the language they are reading. */
(function () {
  "use strict";
  var root = document.querySelector("[data-search]");
  if (!root) return;
  var form = root.querySelector("[data-search-form]");
  var input = form.querySelector("input");
  var status = root.querySelector("[data-search-status]");
  var list = root.querySelector("[data-search-results]");
  var more = root.querySelector("[data-search-more]");
  var lang = document.documentElement.lang || "en";
  var locale = root.getAttribute("data-locale") || lang;  // the site's locale for this language (site.yaml locales)
  var PAGE = 10;
  var loading = null;
  var failed = false;
  var serial = 0;
  var found = [];
  var shown = 0;
  var timer = 0;

  // A large language's index is made in parts (the build's memory is one part's); parts.json, beside
  // pagefind.js, lists each language's other parts, and they are merged into this one's results. It is
  // asked for afresh (a copy kept from an earlier build may list other parts), as Pagefind asks for its entry.
  function parts(bundle) {
    var listed = new URL("parts.json", bundle);
    return fetch(listed.href, { credentials: "same-origin", cache: "no-cache" }).then(function (response) {
      if (!response.ok) throw new Error("parts.json: " + response.status);
      return response.json();
    }).then(function (all) {
      var key = lang.toLowerCase();
      if (!all[key]) key = key.split("-")[0];
      return (all[key] || []).map(function (folder) { return { path: new URL(folder, listed).pathname, language: key }; });
    });
  }

  function load() {
    if (!loading) {
      var bundle = new URL(root.getAttribute("data-bundle"), window.location.href);
      var again = failed;
      loading = Promise.all([import(bundle.href), parts(bundle)]).then(function (got) {
        var pagefind = got[0];
        // after a failed try, the parts it merged go: each is merged once
        return Promise.resolve(again && pagefind.destroy()).then(function () {
          return pagefind.options({ excerptLength: 24 });
        }).then(function () {
          return Promise.all(got[1].map(function (part) {
            return pagefind.mergeIndex(part.path, { language: part.language, excerptLength: 24 });
          }));
        }).then(function () { return pagefind; });
      });
      loading.catch(function () { loading = null; failed = true; });
    }
    return loading;
  }

  function say(text) {
    status.textContent = text;
  }

  function sentence(name, query, count) {
    var text = root.getAttribute("data-" + name) || "";
    var number = typeof count === "number" ? new Intl.NumberFormat(locale).format(count) : "";
    return text.split("{query}").join(query).split("{count}").join(number);
  }

  function counted(query, count) {
    var category = "other";
    try { category = new Intl.PluralRules(locale).select(count); } catch (e) { /* an unknown locale: "other" */ }
    var name = root.hasAttribute("data-results-" + category) ? "results-" + category : "results-other";
    return sentence(name, query, count);
  }

  function excerpt(html) {  // Pagefind's excerpt: escaped text with <mark> around the words found
    var template = document.createElement("template");
    template.innerHTML = html;
    var p = document.createElement("p");
    p.className = "search__excerpt";
    template.content.childNodes.forEach(function (node) {
      if (node.nodeName === "MARK") {
        var mark = document.createElement("mark");
        mark.textContent = node.textContent;
        p.appendChild(mark);
      } else {
        p.appendChild(document.createTextNode(node.textContent));
      }
    });
    return p;
  }

  function showMore(mine) {
    var next = found.slice(shown, shown + PAGE);
    shown += next.length;
    more.hidden = true;
    return Promise.all(next.map(function (result) { return result.data(); })).then(function (pages) {
      if (mine !== serial) return;
      var first = null;
      pages.forEach(function (page) {
        var li = document.createElement("li");
        li.className = "search__result";
        var a = document.createElement("a");
        a.href = page.url;
        a.textContent = (page.meta && page.meta.title) || page.url;
        li.appendChild(a);
        li.appendChild(excerpt(page.excerpt || ""));
        list.appendChild(li);
        first = first || a;
      });
      more.hidden = shown >= found.length;
      return first;
    });
  }

  function search(query) {
    var mine = ++serial;
    query = query.trim();
    list.textContent = "";
    more.hidden = true;
    found = [];
    shown = 0;
    if (!query) { say(""); return Promise.resolve(); }
    say(root.getAttribute("data-loading"));
    return load().then(function (pagefind) {
      return pagefind.search(query);
    }).then(function (answer) {
      if (mine !== serial || !answer) return;
      found = answer.results;
      say(found.length ? counted(query, found.length) : sentence("none", query));
      return showMore(mine);
    }).catch(function () {
      if (mine === serial) say(root.getAttribute("data-error"));
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    window.clearTimeout(timer);
    search(input.value);
  });
  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { search(input.value); }, 300);
  });
  more.addEventListener("click", function () {
    showMore(serial).then(function (first) { if (first) first.focus(); });
  });

  // What a visitor searched for stays out of the address, and so out of the browser's history: on a shared
  // device it must not be found afterwards. A link to ".../search/?q=words" still opens with that search.
  var address = new URL(window.location.href);
  var asked = address.searchParams.get("q");
  if (address.searchParams.has("q")) {
    address.searchParams.delete("q");
    window.history.replaceState(null, "", address.href);
  }
  if (asked) {
    input.value = asked;
    search(asked);
  }
  input.focus();
})();

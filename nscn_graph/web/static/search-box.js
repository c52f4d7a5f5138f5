// Type-ahead for the search box in every page's header: asks /search/suggest (OpenSearch
// suggestions JSON) as the visitor types and offers the labels in the box's datalist.
(function () {
  "use strict";
  const input = document.getElementById("site-search");
  if (!input) return;
  const list = document.getElementById(input.getAttribute("list"));
  const endpoint = input.dataset.suggest;
  const hasWord = /[\p{L}\p{N}]/u;
  let timer = null;
  let asked = "";
  let pending = null;

  async function refresh() {
    const text = input.value.trim();
    if (text === asked) return;
    asked = text;
    if (pending) pending.abort();
    if (!hasWord.test(text) || text.length > 200) {
      list.replaceChildren();
      return;
    }
    pending = new AbortController();
    try {
      const response = await fetch(endpoint + "?q=" + encodeURIComponent(text), {
        signal: pending.signal,
        headers: { Accept: "application/x-suggestions+json" },
      });
      if (!response.ok) return;
      const [, labels, kinds] = await response.json();
      list.replaceChildren(
        ...labels.map((label, i) => {
          const option = document.createElement("option");
          option.value = label;
          if (kinds[i]) option.label = kinds[i];
          return option;
        }),
      );
      input.dispatchEvent(new CustomEvent("suggestions", { detail: labels }));
    } catch (error) {
      if (error.name !== "AbortError") list.replaceChildren();
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 120);
  });
})();

/* Kiosque venue portal, contacts: the segment filters open on a wide screen, folded on a
   phone until asked for (searching for one person comes first there). Without this
   script they stay folded until a click: the page works the same. */
(function () {
  "use strict";
  var filters = document.querySelector("details.contact-filters__more");
  if (filters && window.matchMedia("(min-width: 48rem)").matches) filters.open = true;
})();

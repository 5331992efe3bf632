// The little JavaScript the app needs; htmx does the rest. Loaded with defer, under a strict CSP
// (no inline script, no eval), so htmx trigger filters are not available: these listeners do
// their work instead.
(function () {
  "use strict";

  function isPoll(element) {
    return element.matches("[data-poll]");
  }

  function isPopoverLink(element) {
    return element.matches(".user-link");
  }

  // A popover card is fetched once, and only if the pointer or focus is still on its name
  // when the show delay ends (a mouse passing over a list fires no request).
  function popoverWanted(link) {
    var card = link.nextElementSibling;
    var loaded = card && card.childElementCount > 0;
    return !loaded && (link.matches(":hover") || link === document.activeElement);
  }

  // A poll that fails (the server is down or sick: a 5xx, a timeout, no answer) waits before
  // asking again, twice as long after each failure, up to five minutes, instead of hammering
  // a server that is trying to recover. Kept by element id: a swap replaces the element.
  var BACKOFF_FIRST_MS = 5000;
  var BACKOFF_MAX_MS = 300000;
  var pollBackoff = {};

  function backingOff(element) {
    var state = pollBackoff[element.id];
    return Boolean(state) && Date.now() < state.until;
  }

  document.addEventListener("htmx:afterRequest", function (event) {
    var element = event.detail.elt;
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (!isPoll(element) || status === 401) {
      return;  // a 401 carries HX-Redirect to the login page
    }
    if (status >= 200 && status < 300) {
      delete pollBackoff[element.id];
      return;
    }
    var failures = (pollBackoff[element.id] ? pollBackoff[element.id].failures : 0) + 1;
    var delay = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * Math.pow(2, failures - 1));
    pollBackoff[element.id] = {failures: failures, until: Date.now() + delay};
  });

  document.addEventListener("htmx:confirm", function (event) {
    var element = event.target;
    // Polls stay quiet while the tab is hidden, and while backing off from a sick server.
    if (isPoll(element) && (document.hidden || backingOff(element))) {
      event.preventDefault();
    }
    if (isPopoverLink(element) && !popoverWanted(element)) {
      event.preventDefault();
    }
  });

  // An error answer is swapped only where the server said to put it (HX-Retarget or HX-Reswap):
  // the app's own errors land in #alerts; anything else (a proxy's 502, say) leaves the form,
  // the badge and what the user typed alone.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status >= 400 && (xhr.getResponseHeader("HX-Retarget") || xhr.getResponseHeader("HX-Reswap"))) {
      event.detail.shouldSwap = true;
    }
  });

  // A conversation's poll and a reply can both bring the same new message: keep the first copy.
  document.addEventListener("htmx:oobAfterSwap", function () {
    var seen = {};
    document.querySelectorAll("#thread-items > .thread-message").forEach(function (item) {
      if (seen[item.id]) {
        item.remove();
      }
      seen[item.id] = true;
    });
  });

  // Focus goes where the next action is after a swap: the first invalid field after a 422; the
  // list itself (its accessible name is read) after a pager link swapped it; a field marked
  // autofocus (the emptied message field after sending) htmx focuses by itself.
  // (afterSettle fires on the new content itself, which for an outerHTML swap replaced the target.)
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.target;
    if (!target || !target.isConnected || !target.querySelector) {
      return;
    }
    var invalid = target.querySelector("[aria-invalid=true]");
    if (invalid) {
      invalid.focus();
    } else if (event.detail.requestConfig && event.detail.requestConfig.elt &&
               event.detail.requestConfig.elt.closest(".pager")) {
      target.focus({preventScroll: true});
    } else if (focusWasLost()) {
      // The button that was pressed went away with the swap: stay in the part that replaced it.
      var next = target.matches("[tabindex]") ? target : target.querySelector("a[href], button, textarea, input");
      (next || document.getElementById("main")).focus({preventScroll: true});
    }
  });

  // Focus is "lost" when the element that had it before a swap was removed by the swap; a hover
  // that loads a card, with the focus nowhere in particular, moves nothing.
  var focusedBeforeSwap = null;
  document.addEventListener("htmx:beforeSwap", function () {
    focusedBeforeSwap = document.activeElement;
  });

  function focusWasLost() {
    var before = focusedBeforeSwap;
    return Boolean(before) && before !== document.body && !before.isConnected &&
      (!document.activeElement || document.activeElement === document.body);
  }

  // A swap that removed the focused element and put nothing in its place (a hidden conversation's
  // row): the focus goes to the main region rather than to the top of the document.
  // (Checked once the swap has settled, after the rule above had its chance.)
  document.addEventListener("htmx:afterSwap", function () {
    window.setTimeout(function () {
      if (focusWasLost()) {
        document.getElementById("main").focus({preventScroll: true});
      }
    }, 50);
  });

  // The character counter: a hint with data-limit counts what the server counts (characters,
  // once trimmed), so 140 emoji fit and 141 letters do not.
  function updateCounter(field) {
    var ids = (field.getAttribute("aria-describedby") || "").split(" ");
    ids.forEach(function (id) {
      var hint = id && document.getElementById(id);
      if (!hint || !hint.dataset.limit) {
        return;
      }
      var limit = Number(hint.dataset.limit);
      var used = Array.from(field.value.trim()).length;
      hint.textContent = used + " of " + limit + " characters" + (used > limit ? ": too long" : "");
      hint.classList.toggle("text-danger", used > limit);
    });
  }
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("textarea, input")) {
      updateCounter(event.target);
    }
  });

  // A hidden tab that comes back asks at once.
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      document.querySelectorAll("[data-poll]").forEach(function (element) {
        htmx.trigger(element, "poll");
      });
    }
  });

  // A card adds no Tab stops: crossing a timeline by Tab visits each name once. The down arrow
  // on a name enters its card (up and down move through the card's links, up from the first
  // goes back to the name).
  function cardItems(wrapper) {
    return Array.from(wrapper.querySelectorAll(".popover-card a, .popover-card button"));
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") {
      return;
    }
    var wrapper = document.activeElement && document.activeElement.closest &&
                  document.activeElement.closest(".user-popover");
    if (!wrapper) {
      return;
    }
    var items = cardItems(wrapper);
    var index = items.indexOf(document.activeElement);
    var next = event.key === "ArrowDown" ? index + 1 : index - 1;
    if (!items.length || next >= items.length) {
      return;
    }
    event.preventDefault();
    (next < 0 ? wrapper.querySelector(".user-link") : items[next]).focus();
  });

  // Touch: the first tap on a name shows its card (loading it once), the second follows the
  // link; a tap elsewhere closes it. With JS off the name is a plain link to the profile.
  var lastPointer = "mouse";
  document.addEventListener("pointerdown", function (event) {
    lastPointer = event.pointerType;
    document.querySelectorAll(".user-popover.open").forEach(function (wrapper) {
      if (!wrapper.contains(event.target)) {
        wrapper.classList.remove("open");
      }
    });
  }, true);
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".user-link");
    if (!link || lastPointer !== "touch") {
      return;
    }
    var wrapper = link.closest(".user-popover");
    if (wrapper.classList.contains("open")) {
      return;
    }
    event.preventDefault();
    wrapper.classList.add("open");
    link.focus();  // hx-trigger "focus" loads the card, once
  });

  // Escape closes the open popover card; it may show again once pointer and focus have left.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    document.querySelectorAll(".user-popover:hover, .user-popover:focus-within").forEach(function (wrapper) {
      wrapper.classList.add("dismissed");
      // Focus inside the card goes back to the name it belongs to.
      if (wrapper.querySelector(".popover-card").contains(document.activeElement)) {
        wrapper.querySelector(".user-link").focus();
      }
    });
  });

  // The account menu (a <details>): Escape closes it and puts the focus back on its summary; a
  // click or a focus move outside it closes it too, as any menu does.
  function closeMenus(except) {
    document.querySelectorAll(".account-menu details[open]").forEach(function (menu) {
      if (!menu.contains(except)) {
        menu.removeAttribute("open");
      }
    });
  }
  document.addEventListener("keydown", function (event) {
    var menu = event.key === "Escape" && document.activeElement && document.activeElement.closest &&
               document.activeElement.closest(".account-menu details[open]");
    if (menu) {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
    }
  });
  document.addEventListener("pointerdown", function (event) {
    closeMenus(event.target);
  });
  document.addEventListener("focusin", function (event) {
    closeMenus(event.target);
  });

  function undismiss(event) {
    var wrapper = event.target.closest && event.target.closest(".user-popover.dismissed");
    if (wrapper && !wrapper.contains(event.relatedTarget)) {
      wrapper.classList.remove("dismissed");
    }
  }
  document.addEventListener("mouseout", undismiss);
  document.addEventListener("focusout", undismiss);
})();

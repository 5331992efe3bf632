// The little JavaScript the app needs; htmx does the rest. Loaded with defer, under a strict CSP
// (no inline script, no eval), so htmx trigger filters are not available: these listeners do
// their work instead. It runs once the document is parsed and before htmx processes it.
(function () {
  "use strict";

  // A poller is an element that asks on an interval (its hx-trigger starts with "every"), and at
  // its doorbell (live updates) and "poll" (a tab shown again).
  var POLLERS = "[hx-trigger^='every ']";

  function isPoll(element) {
    return element.matches(POLLERS);
  }

  function isPopoverLink(element) {
    return element.matches(".user-link");
  }

  // ---- Polls ----------------------------------------------------------------------------------

  // A popover card is fetched once, and only if the pointer or focus is still on its name
  // when the show delay ends (a mouse passing over a list fires no request). On a touch screen
  // a tap on a name opens the profile: no card.
  function popoverWanted(link) {
    var card = link.nextElementSibling;
    var loaded = card && card.childElementCount > 0;
    return !loaded && lastPointer !== "touch" && (link.matches(":hover") || link === document.activeElement);
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
    // Polls stay quiet while the tab is hidden, and while backing off from a sick server; the
    // interval ones (no triggering event) while the live stream tells of every change.
    if (isPoll(element) && (document.hidden || backingOff(element) || (!event.detail.triggeringEvent && liveHealthy()))) {
      event.preventDefault();
      return;
    }
    // A doorbell that rings while its poller is asking already (the poller drops it) asks again
    // once that answer is in: it may tell of something the answer had not seen.
    if (isPoll(element) && isDoorbell(event.detail.triggeringEvent) && element.classList.contains("htmx-request")) {
      askAgain[element.id] = true;
    }
    if (isPopoverLink(element) && !popoverWanted(element)) {
      event.preventDefault();
    }
  });

  var askAgain = {};

  // Once the answer is in, the poller (by id: the answer may have replaced it, and the replaced
  // one's events reach no one) asks again. A 204 swaps nothing (afterRequest tells); an answer
  // that replaced the poller is seen as it settles.
  function askAgainIfRung() {
    window.setTimeout(function () {
      Object.keys(askAgain).forEach(function (id) {
        var poller = document.getElementById(id);
        if (!poller) {
          delete askAgain[id];
        } else if (!poller.classList.contains("htmx-request")) {
          delete askAgain[id];
          htmx.trigger(poller, "poll");
        }
      });
    }, 0);
  }

  document.addEventListener("htmx:afterRequest", askAgainIfRung);
  document.addEventListener("htmx:afterSettle", askAgainIfRung);

  function catchUp() {
    document.querySelectorAll(POLLERS).forEach(function (element) {
      htmx.trigger(element, "poll");
    });
  }

  // A hidden tab that comes back asks at once.
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      catchUp();
    }
  });

  // ---- Live updates ---------------------------------------------------------------------------

  // A signed-in page holds the server's event stream (/events, base.html's sse-connect), whose
  // lines name what changed ("counts", "timeline", "conversation-7"); the pollers listen for
  // those names (hx-trigger "sse:<name>", htmx's SSE extension) and fetch as their poll does.
  // While the stream is open the interval polls are skipped (htmx:confirm above); when it is down
  // they run, and it reconnects with capped exponential backoff and jitter. Whenever it (re)opens
  // the pollers ask once, for what rang while it was down.
  //
  // One tab holds the stream for every tab of this browser: the visible tab that gets the Web
  // Lock, which it gives up when hidden or closed; it passes each doorbell and its health to the
  // others over a BroadcastChannel. HTTP/1.1 allows six connections per host: seven tabs each
  // holding a stream would leave no connection for pages. Without those APIs each tab holds its own.
  var LIVE_LOCK = "webapp-live";
  var LIVE_RETRY_FIRST_MS = 1000;
  var LIVE_RETRY_MAX_MS = 60000;
  var HEARTBEAT_MS = 5000;  // the holder's "still open", so a tab that missed a message notices
  var HEARTBEAT_STALE_MS = 12000;
  var live = {
    url: null,
    sources: [],         // the SSE extension's event sources on this page (LiveSource)
    stream: null,        // the real EventSource, in the tab that holds it
    open: false,         // this tab's own stream is open
    failures: 0,
    retry: null,
    release: null,       // gives up the lock (this tab holds the stream)
    seeking: null,       // an AbortController while waiting for the lock
    sharedOpen: false,   // another tab's stream, as last heard
    heardAt: 0,
    channel: null,
  };

  function isDoorbell(event) {
    return Boolean(event && event.type && event.type.indexOf("sse:") === 0);
  }

  function liveHealthy() {
    return live.open || (live.sharedOpen && Date.now() - live.heardAt < HEARTBEAT_STALE_MS);
  }

  function showHealth() {
    document.documentElement.dataset.live = liveHealthy() ? "open" : "polling";
  }

  // What htmx's SSE extension gets instead of an EventSource: the doorbells of this tab's stream
  // or of the tab that holds it. Always "open": the extension's own reconnect (no backoff cap,
  // no jitter) never starts; reconnecting is done here.
  function LiveSource() {
    this.listeners = {};
    this.readyState = 1;
    this.onopen = null;
    this.onerror = null;
  }
  LiveSource.prototype.addEventListener = function (name, listener) {
    (this.listeners[name] = this.listeners[name] || []).push(listener);
  };
  LiveSource.prototype.removeEventListener = function (name, listener) {
    var listeners = this.listeners[name] || [];
    var index = listeners.indexOf(listener);
    if (index >= 0) {
      listeners.splice(index, 1);
    }
  };
  LiveSource.prototype.close = function () {
    var self = this;
    self.readyState = 2;
    live.sources = live.sources.filter(function (source) { return source !== self; });
  };
  LiveSource.prototype.ring = function (name) {
    (this.listeners[name] || []).slice().forEach(function (listener) {
      listener(new MessageEvent(name, {data: ""}));
    });
  };

  function ringHere(name) {
    live.sources.forEach(function (source) { source.ring(name); });
  }

  function tell(message) {
    if (live.channel) {
      live.channel.postMessage(message);
    }
  }

  function openStream() {
    window.clearTimeout(live.retry);
    if (live.stream || document.hidden) {
      return;
    }
    var stream = live.stream = new EventSource(live.url);
    stream.onopen = function () {
      live.failures = 0;
      live.open = true;
      showHealth();
      tell({open: true, catchUp: true});
      catchUp();
    };
    stream.onmessage = function (event) {
      ringHere(event.data);
      tell({doorbell: event.data});
    };
    stream.onerror = function () {
      var wasOpen = live.open;
      closeStream();
      live.failures += 1;
      var delay = Math.min(LIVE_RETRY_MAX_MS, LIVE_RETRY_FIRST_MS * Math.pow(2, live.failures - 1));
      live.retry = window.setTimeout(openStream, delay * (0.5 + Math.random() / 2));
      if (wasOpen) {
        catchUp();  // what rang as it closed; and a session that ended shows now (401: to the login page)
      }
    };
  }

  function closeStream() {
    window.clearTimeout(live.retry);
    if (live.stream) {
      live.stream.close();
      live.stream = null;
    }
    if (live.open) {
      live.open = false;
      tell({open: false});
    }
    showHealth();
  }

  function holdStream() {
    if (document.hidden || live.release || live.seeking) {
      return;
    }
    if (!live.channel || !navigator.locks) {
      openStream();
      return;
    }
    var seeking = live.seeking = new AbortController();
    navigator.locks.request(LIVE_LOCK, {signal: seeking.signal}, function () {
      live.seeking = null;
      return new Promise(function (resolve) {
        live.release = resolve;
        openStream();
      });
    }).catch(function () {});  // given up while waiting (the tab was hidden)
  }

  function letGoOfStream() {
    if (live.seeking) {
      live.seeking.abort();
      live.seeking = null;
    }
    closeStream();
    if (live.release) {
      live.release();
      live.release = null;
    }
  }

  function startLive(url) {
    live.url = url;
    if (window.BroadcastChannel) {
      live.channel = new BroadcastChannel(LIVE_LOCK);
      live.channel.onmessage = function (event) {
        var message = event.data || {};
        if (message.hello && live.open) {
          tell({open: true});
        }
        if ("open" in message) {
          live.sharedOpen = message.open;
          live.heardAt = Date.now();
          showHealth();
        }
        if (message.doorbell) {
          ringHere(message.doorbell);
        }
        if (message.catchUp) {
          catchUp();
        }
      };
      window.setInterval(function () {
        if (live.open) {
          tell({open: true});
        }
        showHealth();
      }, HEARTBEAT_MS);
      tell({hello: true});
    }
    document.addEventListener("visibilitychange", function () {
      if (document.hidden) {
        letGoOfStream();
      } else {
        holdStream();
      }
    });
    window.addEventListener("pagehide", letGoOfStream);
    // A form this page leaves by (a plain POST: logging out, deleting the account) may end the
    // session, and with it the stream, before the answer arrives: let go first, so the stream's
    // end does not send the page to the login page ahead of the form's own answer.
    document.addEventListener("submit", function (event) {
      if (!event.defaultPrevented) {  // htmx has taken its own forms by now
        letGoOfStream();
      }
    });
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) {  // back from the browser's page cache
        holdStream();
        catchUp();
      }
    });
    holdStream();
  }

  // htmx's SSE extension asks for its event source here (once per page: body's sse-connect).
  htmx.createEventSource = function (url) {
    var source = new LiveSource();
    live.sources.push(source);
    if (!live.url) {
      startLive(url);
    }
    return source;
  };

  // An error answer is swapped only where the server said to put it (HX-Retarget or HX-Reswap):
  // the app's own errors land in #alerts; anything else (a proxy's 502, say) leaves the form,
  // the badge and what the user typed alone.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status >= 400 && (xhr.getResponseHeader("HX-Retarget") || xhr.getResponseHeader("HX-Reswap"))) {
      event.detail.shouldSwap = true;
    }
  });

  // ---- Times ----------------------------------------------------------------------------------

  // The server writes times in UTC (so the page reads right without JavaScript); here they
  // become the reader's own: a message's clock time, its day, every tooltip, and relative
  // times ("5 minutes ago") that keep up with the clock.
  var clockFormat = new Intl.DateTimeFormat([], {hour: "numeric", minute: "2-digit"});
  var fullFormat = new Intl.DateTimeFormat([], {dateStyle: "full", timeStyle: "short"});
  var weekdayFormat = new Intl.DateTimeFormat("en-GB", {weekday: "long"});
  var dateFormat = new Intl.DateTimeFormat("en-GB", {day: "numeric", month: "long", year: "numeric"});
  var UNITS = [[365 * 86400, "year"], [30 * 86400, "month"], [7 * 86400, "week"], [86400, "day"],
               [3600, "hour"], [60, "minute"]];

  // The same words as the server's timefmt.relative_time.
  function relativeTime(date) {
    var seconds = Math.floor((Date.now() - date.getTime()) / 1000);
    if (seconds < 45) {
      return "just now";
    }
    for (var i = 0; i < UNITS.length; i++) {
      if (seconds >= UNITS[i][0]) {
        var count = Math.floor(seconds / UNITS[i][0]);
        return count + " " + UNITS[i][1] + (count === 1 ? "" : "s") + " ago";
      }
    }
    return "1 minute ago";
  }

  function localTimes(root) {
    root.querySelectorAll("time.relative, time.clock").forEach(function (time) {
      var date = new Date(time.getAttribute("datetime"));
      if (isNaN(date)) {
        return;
      }
      time.title = fullFormat.format(date);
      time.textContent = time.classList.contains("clock") ? clockFormat.format(date) : relativeTime(date);
    });
  }
  window.setInterval(function () {
    localTimes(document);
  }, 60000);

  function pad(number) {
    return (number < 10 ? "0" : "") + number;
  }

  function dayKey(date) {
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate());
  }

  function dayLabel(date) {
    var today = new Date();
    var midnight = new Date(today.getFullYear(), today.getMonth(), today.getDate());
    var daysAgo = Math.round((midnight - new Date(date.getFullYear(), date.getMonth(), date.getDate())) / 86400000);
    if (daysAgo === 0) {
      return "Today";
    }
    if (daysAgo === 1) {
      return "Yesterday";
    }
    return daysAgo > 1 && daysAgo < 7 ? weekdayFormat.format(date) : dateFormat.format(date);
  }

  function daySeparator(date) {
    var item = document.createElement("li");
    item.className = "thread-entry day-separator";
    item.dataset.day = dayKey(date);
    var time = document.createElement("time");
    time.className = "day";
    time.setAttribute("datetime", dayKey(date));
    time.textContent = dayLabel(date);
    item.appendChild(time);
    return item;
  }

  // ---- A conversation -------------------------------------------------------------------------

  // Messages of one sender a few minutes apart form a run (drawn close together).
  var RUN_GAP_MS = 10 * 60 * 1000;

  // The thread as one sequence (its history list, then its live list), regrouped in the reader's
  // time zone after every change: a day separator before each day's first message, runs, one
  // "New" divider, each message once (a poll and a reply can bring the same one).
  function normaliseThread() {
    var thread = document.getElementById("thread");
    if (!thread) {
      return;
    }
    thread.querySelectorAll(".day-separator").forEach(function (separator) {
      separator.remove();
    });
    thread.querySelectorAll(".new-divider").forEach(function (divider, index) {
      if (index > 0) {
        divider.remove();
      }
    });
    var seen = {};
    var previous = null;
    thread.querySelectorAll(".thread-message").forEach(function (message) {
      if (seen[message.id]) {
        message.remove();
        return;
      }
      seen[message.id] = true;
      var date = new Date(message.querySelector("time.clock").getAttribute("datetime"));
      var day = dayKey(date);
      var newDay = !previous || previous.day !== day;
      var newRun = newDay || previous.sender !== message.dataset.sender || date - previous.date > RUN_GAP_MS;
      message.classList.toggle("run-start", newRun);
      if (newDay) {
        var before = message.previousElementSibling;
        var place = before && before.classList.contains("new-divider") ? before : message;
        place.parentNode.insertBefore(daySeparator(date), place);
      }
      previous = {day: day, sender: message.dataset.sender, date: date};
    });
    localTimes(thread);
  }

  function atBottom() {
    return window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 80;
  }

  // Every scroll the page makes is instant: Bootstrap asks for smooth scrolling, and a scroll
  // still animating when htmx looks at what is in view would load pages nobody scrolled to.
  function scrollToBottom() {
    window.scrollTo({top: document.documentElement.scrollHeight, behavior: "instant"});
  }

  // A conversation opens where the reader left off: at the message its address names (one just
  // sent), at the "New" divider, or at its newest message. The page placed by the read marker
  // puts its own address in the history (data-pin-url), so Back shows it again, not a later one.
  function openConversation() {
    var thread = document.getElementById("thread");
    if (!thread) {
      return;
    }
    if (thread.dataset.pinUrl && !window.location.search) {
      window.history.replaceState(window.history.state, "", thread.dataset.pinUrl + window.location.hash);
    }
    normaliseThread();
    var named = window.location.hash && document.getElementById(window.location.hash.slice(1));
    var target = named && named !== document.getElementById("thread-end") ? named : null;
    target = target || (!named && thread.querySelector(".new-divider"));
    if (target) {
      target.scrollIntoView({block: target.classList.contains("new-divider") ? "start" : "center", behavior: "instant"});
    } else {
      scrollToBottom();
    }
  }

  // Older messages, or new posts, are put above what the reader is looking at: keep that where
  // it was. (The browser's own scroll anchoring is off for these lists: it does nothing at the
  // very top, and it picks its own anchor.)
  var keptInView = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var elt = event.detail.requestConfig && event.detail.requestConfig.elt;
    var anchor = null;
    if (target && target.id === "thread-older") {
      anchor = document.querySelector("#thread .thread-message");  // a message: day separators are redrawn
    } else if (elt && elt.classList && elt.classList.contains("new-posts-button")) {
      anchor = Array.from(document.querySelectorAll("#post-items > li.post")).find(function (post) {
        return post.getBoundingClientRect().bottom > 0;  // the first post still in view
      });
    }
    keptInView = anchor ? {element: anchor, top: anchor.getBoundingClientRect().top} : null;
  });

  // New messages appended: a reader at the bottom follows them down; one scrolled up gets a
  // "New messages" button instead, and they stay unread until they have been in view.
  var followNew = false;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var elt = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (elt && (elt.id === "thread-poller" || elt.id === "reply-form")) {
      followNew = elt.id === "reply-form" || atBottom();
    }
  });

  document.addEventListener("htmx:oobAfterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "thread-items") {
      normaliseThread();
      if (followNew) {
        scrollToBottom();
      } else if (document.querySelector("#thread-items .thread-message[hx-post]")) {
        document.getElementById("jump-to-new").hidden = false;
      }
    }
  });

  document.addEventListener("htmx:afterSwap", function () {
    normaliseThread();  // a loader's swap replaces the loader itself: ask the page, not the target
    removeRepeatedPosts();
    if (keptInView && keptInView.element.isConnected) {
      window.scrollBy({top: keptInView.element.getBoundingClientRect().top - keptInView.top, behavior: "instant"});
    }
    keptInView = null;
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("#jump-to-new");
    if (button) {
      button.hidden = true;
      var first = document.querySelector("#thread-items .thread-message[hx-post]");
      (first || document.getElementById("thread-end")).scrollIntoView({block: "center", behavior: "instant"});
    }
  });

  window.addEventListener("scroll", function () {
    var button = document.getElementById("jump-to-new");
    if (button && !button.hidden && atBottom()) {
      button.hidden = true;
    }
  }, {passive: true});

  // The composer: Enter sends (unless Send is disabled), Shift+Enter breaks the line; an input
  // method that is composing a character keeps its Enter.
  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (event.key !== "Enter" || event.shiftKey || event.altKey || event.ctrlKey || event.metaKey ||
        event.isComposing || event.keyCode === 229 || !field.matches || !field.matches("textarea[data-enter-sends]")) {
      return;
    }
    event.preventDefault();
    var button = field.form.querySelector("button[type=submit]");
    if (!button.disabled) {
      field.form.requestSubmit(button);
    }
  });

  // ---- The home timeline ----------------------------------------------------------------------

  // The posts brought in may include one the form already put at the top (the reader's own):
  // each post once, the one already there kept.
  function removeRepeatedPosts() {
    var seen = {};
    Array.from(document.querySelectorAll("#post-items > li.post")).reverse().forEach(function (post) {
      if (seen[post.id]) {
        post.remove();
      }
      seen[post.id] = true;
    });
  }

  // The "N new posts" button brought them in above the list: the focus goes to the first of
  // them (its author's name), which the screen reader reads; what the reader was reading further
  // down stays in place (the browser's scroll anchoring).
  document.addEventListener("htmx:afterSettle", function (event) {
    var elt = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (elt && elt.classList && elt.classList.contains("new-posts-button")) {
      var first = document.querySelector("#post-items > li.post a.user-link");
      if (first) {
        first.focus({preventScroll: true});
      }
    }
  });

  // ---- Forms ----------------------------------------------------------------------------------

  // The character counter: a hint with data-limit counts what the server counts (characters,
  // once trimmed), so 140 emoji fit and 141 letters do not. The form's submit button waits
  // while the text is too long, or empty where it is required.
  function limitedHint(field) {
    var ids = (field.getAttribute("aria-describedby") || "").split(" ");
    for (var i = 0; i < ids.length; i++) {
      var hint = ids[i] && document.getElementById(ids[i]);
      if (hint && hint.dataset.limit) {
        return hint;
      }
    }
    return null;
  }

  function updateCounter(field, typed) {
    var hint = limitedHint(field);
    if (!hint) {
      return;
    }
    var limit = Number(hint.dataset.limit);
    var used = Array.from(field.value.trim()).length;
    if (typed) {
      hint.textContent = used + " of " + limit + " characters" + (used > limit ? ": too long" : "");
    }
    hint.classList.toggle("text-danger", used > limit);
    var button = field.form && field.form.querySelector("button[type=submit]");
    if (button) {
      button.disabled = (used === 0 && field.required) || used > limit;
    }
  }

  function updateCounters(root) {
    root.querySelectorAll("textarea[aria-describedby]").forEach(function (field) {
      updateCounter(field, field.value.length > 0);
    });
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("textarea, input")) {
      updateCounter(event.target, true);
    }
  });

  // ---- Focus after a swap ---------------------------------------------------------------------

  // Focus goes where the next action is after a swap: the first invalid field after a 422; the
  // list itself (its accessible name is read) after a pager link swapped it; the element a form
  // names (data-focus-after: the row it changed), or the row after it when the row is gone; a
  // field marked autofocus (the emptied message field after sending) htmx focuses by itself.
  // (afterSettle fires on the new content itself, which for an outerHTML swap replaced the target.)
  var focusAfter = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var elt = event.detail.requestConfig && event.detail.requestConfig.elt;
    var target = event.detail.target;
    if (elt && elt.dataset && elt.dataset.focusAfter && target) {
      var row = target.closest("li") || target;
      var next = sibling(row, "nextElementSibling") || sibling(row, "previousElementSibling");
      focusAfter = {selector: elt.dataset.focusAfter, fallback: next && next.querySelector("a[href]"),
                    list: row.closest("[tabindex]")};
    }
  });

  // The nearest row of the same kind beside `row` ("nextElementSibling" or "previousElementSibling").
  function sibling(row, direction) {
    var other = row[direction];
    while (other && other.className.split(" ")[0] !== row.className.split(" ")[0]) {
      other = other[direction];
    }
    return other;
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.target;
    if (!target || !target.isConnected || !target.querySelector) {
      return;
    }
    updateCounters(target);
    localTimes(target);
    if (focusAfter) {
      var wanted = document.querySelector(focusAfter.selector) ||
                   (focusAfter.fallback && focusAfter.fallback.isConnected ? focusAfter.fallback : focusAfter.list);
      focusAfter = null;
      if (wanted) {
        wanted.focus({preventScroll: true});
        return;
      }
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

  // A swap that removed the focused element and put nothing in its place: the focus goes to the
  // main region rather than to the top of the document. (Checked once the swap has settled,
  // after the rules above had their chance.)
  document.addEventListener("htmx:afterSwap", function () {
    window.setTimeout(function () {
      if (focusWasLost()) {
        document.getElementById("main").focus({preventScroll: true});
      }
    }, 50);
  });

  // ---- The people search ----------------------------------------------------------------------

  // An ARIA combobox: the focus stays in the field, the arrow keys move through the people
  // (aria-activedescendant), Enter opens the conversation with the one chosen, Escape lets go.
  function peopleOptions() {
    return Array.from(document.querySelectorAll("#people-results [role=option]"));
  }

  function choosePerson(field, option) {
    peopleOptions().forEach(function (each) {
      each.setAttribute("aria-selected", each === option ? "true" : "false");
      each.classList.toggle("active", each === option);
    });
    if (option) {
      field.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({block: "nearest"});
    } else {
      field.removeAttribute("aria-activedescendant");
    }
  }

  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (!field.matches || !field.matches("input[role=combobox]")) {
      return;
    }
    var options = peopleOptions();
    var active = document.getElementById(field.getAttribute("aria-activedescendant") || "");
    var index = options.indexOf(active);
    if ((event.key === "ArrowDown" || event.key === "ArrowUp") && options.length) {
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      choosePerson(field, options[(index + step + options.length) % options.length]);
    } else if (event.key === "Enter" && active) {
      event.preventDefault();
      window.location.assign(active.href);
    } else if (event.key === "Escape" && active) {
      choosePerson(field, null);
    }
  });

  function settlePeopleResults() {
    var field = document.querySelector("input[role=combobox]");
    if (field) {
      var options = peopleOptions();
      options.forEach(function (option) {
        option.tabIndex = -1;  // the focus stays in the field
      });
      field.setAttribute("aria-expanded", options.length ? "true" : "false");
      field.removeAttribute("aria-activedescendant");
    }
  }
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.id === "people-results") {
      settlePeopleResults();  // at once: the arrow keys may already be moving through the new list
    }
  });

  // ---- Popover cards ----------------------------------------------------------------------------

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

  // The kind of pointer last used: on a touch screen a name is a plain link to the profile.
  var lastPointer = "mouse";
  document.addEventListener("pointerdown", function (event) {
    lastPointer = event.pointerType;
  }, true);

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

  function undismiss(event) {
    var wrapper = event.target.closest && event.target.closest(".user-popover.dismissed");
    if (wrapper && !wrapper.contains(event.relatedTarget)) {
      wrapper.classList.remove("dismissed");
    }
  }
  document.addEventListener("mouseout", undismiss);
  document.addEventListener("focusout", undismiss);

  // ---- Menus ----------------------------------------------------------------------------------

  // The account menu and the small menus of actions (a <details> each): Escape closes the one
  // with the focus and puts the focus back on its summary; a click or a focus move outside a
  // menu closes it, as any menu does.
  function closeMenus(except) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(except)) {
        menu.removeAttribute("open");
      }
    });
  }
  document.addEventListener("keydown", function (event) {
    var menu = event.key === "Escape" && document.activeElement && document.activeElement.closest &&
               document.activeElement.closest("details.menu[open]");
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

  // ---- On load --------------------------------------------------------------------------------

  // Before htmx processes the page (it does on DOMContentLoaded): a conversation is scrolled to
  // where it opens first, so a loader at its top is only "revealed" when the reader scrolls up.
  openConversation();
  localTimes(document);
  updateCounters(document);
  settlePeopleResults();
})();

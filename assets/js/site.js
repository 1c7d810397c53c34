/* Vigie: progressive enhancements. Every page works without this file.
 *
 * - Quick exit: a click on the "leave" link, or Shift pressed three times
 *   within five seconds, blanks the page at once and replaces it in the
 *   history with the neutral site, so Back does not come back here.
 * - Fact pages: copy buttons (link, citation, embed code) and the system
 *   share sheet where the browser has one (navigator.share).
 * - Content warnings: an "I understand, continue" button.
 *
 * No storage, no cookies, no requests: nothing here leaves a trace.
 */
(function () {
  "use strict";

  var doc = document;
  var root = doc.documentElement;

  root.classList.add("js");

  /* ------------------------------------------------------------ quick exit */

  var SHIFT_PRESSES = 3;
  var SHIFT_WINDOW_MS = 5000;

  var exitLink = doc.querySelector("[data-quick-exit-link]");
  var exitStatus = doc.querySelector("[data-quick-exit-status]");
  var exitHint = doc.querySelector("[data-quick-exit-shortcut]");
  var leaving = false;

  function quickExit() {
    if (!exitLink) {
      return;
    }
    var url = exitLink.href;
    if (!leaving) {
      leaving = true;
      // Blank the page first: whatever the network does next, nothing of
      // this site stays on screen.
      root.classList.add("is-leaving");
      try {
        doc.title = "\u00a0";
      } catch (e) {
        /* ignore */
      }
      if (exitStatus) {
        exitStatus.textContent = exitStatus.getAttribute("data-leaving") || "";
      }
    }
    // replace(), not assign(): this page leaves the session history.
    window.location.replace(url);
  }

  if (exitLink) {
    exitLink.addEventListener("click", function (event) {
      event.preventDefault();
      quickExit();
    });

    if (exitHint) {
      exitHint.hidden = false;
    }

    var shiftTimes = [];
    doc.addEventListener(
      "keydown",
      function (event) {
        if (event.key !== "Shift") {
          // Any other key (Shift+Tab included) starts the count again.
          shiftTimes = [];
          return;
        }
        if (event.repeat) {
          return;
        }
        var now = Date.now();
        shiftTimes = shiftTimes.filter(function (t) {
          return now - t <= SHIFT_WINDOW_MS;
        });
        shiftTimes.push(now);
        if (shiftTimes.length >= SHIFT_PRESSES) {
          shiftTimes = [];
          quickExit();
        }
      },
      true
    );

    // Coming back from the back-forward cache while leaving: go on leaving.
    window.addEventListener("pageshow", function (event) {
      if (event.persisted && leaving) {
        window.location.replace(exitLink.href);
      }
    });
  }

  /* -------------------------------------------------------------- copying */

  function fallbackCopy(text, source) {
    var field = source;
    var temporary = null;
    if (!field) {
      temporary = doc.createElement("textarea");
      temporary.value = text;
      temporary.setAttribute("readonly", "");
      temporary.className = "visually-hidden";
      doc.body.appendChild(temporary);
      field = temporary;
    }
    var active = doc.activeElement;
    field.select();
    var ok = false;
    try {
      ok = doc.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    if (temporary) {
      doc.body.removeChild(temporary);
    }
    if (active && typeof active.focus === "function") {
      active.focus();
    }
    return ok;
  }

  function copyText(text, source) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).then(
        function () {
          return true;
        },
        function () {
          return fallbackCopy(text, source);
        }
      );
    }
    return Promise.resolve(fallbackCopy(text, source));
  }

  function messages(element) {
    var holder = element.closest("[data-copy-messages]");
    return {
      copied: (holder && holder.getAttribute("data-copied")) || "✓",
      failed: (holder && holder.getAttribute("data-copy-failed")) || "",
    };
  }

  function statusFor(button) {
    var box = button.parentElement;
    while (box && !box.querySelector("[data-copy-status]")) {
      box = box.parentElement;
    }
    return box ? box.querySelector("[data-copy-status]") : null;
  }

  var statusTimers = new WeakMap();

  function announce(status, text, isError) {
    if (!status) {
      return;
    }
    // Empty first so that the same message twice is announced twice.
    status.textContent = "";
    status.classList.toggle("is-error", Boolean(isError));
    window.setTimeout(function () {
      status.textContent = text;
    }, 50);
    window.clearTimeout(statusTimers.get(status));
    statusTimers.set(
      status,
      window.setTimeout(function () {
        status.textContent = "";
      }, 6000)
    );
  }

  function enableCopy(button, getText, source) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var words = messages(button);
      var status = statusFor(button);
      copyText(getText(), source).then(function (ok) {
        announce(status, ok ? words.copied : words.failed, !ok);
        if (!ok && source) {
          source.focus();
          source.select();
        }
      });
    });
  }

  Array.prototype.forEach.call(doc.querySelectorAll("[data-copy]"), function (button) {
    enableCopy(button, function () {
      return button.getAttribute("data-copy");
    }, null);
  });

  Array.prototype.forEach.call(doc.querySelectorAll("[data-copy-target]"), function (button) {
    var field = doc.getElementById(button.getAttribute("data-copy-target"));
    if (!field) {
      return;
    }
    enableCopy(button, function () {
      return field.value;
    }, field);
  });

  /* -------------------------------------------------------------- sharing */

  Array.prototype.forEach.call(doc.querySelectorAll("[data-share]"), function (section) {
    var enhanced = section.querySelector("[data-share-enhanced]");
    if (enhanced) {
      enhanced.hidden = false;
    }
    var native = section.querySelector("[data-share-native]");
    if (!native || typeof navigator.share !== "function") {
      return;
    }
    var data = {
      title: section.getAttribute("data-share-title") || doc.title,
      text: section.getAttribute("data-share-title") || "",
      url: section.getAttribute("data-share-url") || window.location.href,
    };
    if (typeof navigator.canShare === "function" && !navigator.canShare(data)) {
      return;
    }
    native.hidden = false;
    native.addEventListener("click", function () {
      navigator.share(data).catch(function () {
        /* the person closed the share sheet: nothing to do */
      });
    });
  });

  /* ----------------------------------------------------- content warnings */

  Array.prototype.forEach.call(doc.querySelectorAll("[data-content-warning]"), function (warning) {
    var button = warning.querySelector("[data-content-warning-continue]");
    if (!button) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var next = warning.nextElementSibling;
      warning.hidden = true;
      if (next) {
        if (!next.hasAttribute("tabindex")) {
          next.setAttribute("tabindex", "-1");
        }
        next.focus();
      }
    });
  });
})();

// The chat page: post messages with AJAX and keep one long poll open for new ones.
"use strict";

(function () {
  function getCookie(name) {
    var r = document.cookie.match("\\b" + name + "=([^;]*)\\b");
    return r ? r[1] : undefined;
  }

  // POST form-encoded args with the _xsrf token from the cookie; resolves to the parsed JSON.
  function postJSON(url, args) {
    args._xsrf = getCookie("_xsrf");
    return fetch(url, {
      method: "POST",
      body: new URLSearchParams(args),
      credentials: "same-origin",
    }).then(function (response) {
      if (!response.ok) {
        var error = new Error(url + " answered " + response.status);
        error.status = response.status;
        throw error;
      }
      return response.json();
    });
  }

  var inbox = document.getElementById("inbox");
  var form = document.getElementById("messageform");
  var input = document.getElementById("message");
  var status = document.getElementById("status");

  var updater = {
    // Id of the last message this page shows: the server answers with what came after it.
    cursor: inbox.getAttribute("data-cursor") || null,
    errorSleep: 500,

    poll: function () {
      var args = {};
      if (updater.cursor) args.cursor = updater.cursor;
      postJSON("/a/message/updates", args).then(updater.onSuccess, updater.onError);
    },

    onSuccess: function (response) {
      response.messages.forEach(updater.showMessage);
      updater.errorSleep = 500;
      status.textContent = "";
      window.setTimeout(updater.poll, 0);
    },

    onError: function (error) {
      if (error.status === 403) {
        window.location = "/auth/login";
        return;
      }
      updater.errorSleep = Math.min(updater.errorSleep * 2, 30000);
      status.textContent = "Connection lost; retrying.";
      window.setTimeout(updater.poll, updater.errorSleep);
    },

    // message.html is the server's rendering, with the body already HTML-escaped.
    showMessage: function (message) {
      inbox.insertAdjacentHTML("beforeend", message.html);
      updater.cursor = message.id;
      var node = inbox.lastElementChild;
      if (node && node.scrollIntoView) node.scrollIntoView(false);
    },
  };

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = input.value;
    if (!body) return;
    input.disabled = true;
    postJSON("/a/message/new", { body: body }).then(
      function () {
        input.value = "";
        input.disabled = false;
        input.focus();
      },
      function (error) {
        status.textContent = "Could not post: " + error.message;
        input.disabled = false;
      }
    );
  });

  window.chatUpdater = updater;
  updater.poll();
})();

// The chat page: new messages arrive over a WebSocket when the browser can open one, else
// through a long poll (one POST kept waiting on the server). ?transport=poll forces polling.
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
  var forcePoll = new URLSearchParams(window.location.search).get("transport") === "poll";

  var updater = {
    // Id of the last message this page shows: the server sends what came after it.
    cursor: inbox.getAttribute("data-cursor") || null,
    errorSleep: 500,
    transport: null, // "websocket" or "poll" once chosen
    socket: null, // the open WebSocket, if any
    connects: 0, // WebSocket connections opened so far (reconnects included)

    start: function () {
      if (window.WebSocket && !forcePoll) {
        updater.connect();
      } else {
        updater.transport = "poll";
        updater.poll();
      }
    },

    // -- WebSocket ----------------------------------------------------------------------------

    connect: function () {
      var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
      var url = scheme + window.location.host + "/a/message/socket";
      if (updater.cursor) url += "?cursor=" + encodeURIComponent(updater.cursor);
      var socket = new WebSocket(url);
      var opened = false;
      socket.onopen = function () {
        opened = true;
        updater.transport = "websocket";
        updater.socket = socket;
        updater.connects += 1;
        updater.errorSleep = 500;
        status.textContent = "";
      };
      socket.onmessage = function (event) {
        var data = JSON.parse(event.data);
        if (data.messages) data.messages.forEach(updater.showMessage);
        if (data.error) status.textContent = "Could not post: " + data.error;
      };
      socket.onclose = function () {
        updater.socket = null;
        if (!opened && updater.connects === 0) {
          // The first socket never opened (no WebSocket on the way here): poll instead.
          updater.transport = "poll";
          updater.poll();
          return;
        }
        updater.retry(updater.connect);
      };
    },

    // -- long polling -------------------------------------------------------------------------

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
      updater.retry(updater.poll);
    },

    // -- both ---------------------------------------------------------------------------------

    retry: function (again) {
      updater.errorSleep = Math.min(updater.errorSleep * 2, 30000);
      status.textContent = "Connection lost; retrying.";
      window.setTimeout(again, updater.errorSleep);
    },

    // message.html is the server's rendering, with the body already HTML-escaped.
    showMessage: function (message) {
      inbox.insertAdjacentHTML("beforeend", message.html);
      updater.cursor = message.id;
      var node = inbox.lastElementChild;
      if (node && node.scrollIntoView) node.scrollIntoView(false);
    },

    send: function (body) {
      var socket = updater.socket;
      if (socket && socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify({ body: body }));
        return Promise.resolve();
      }
      return postJSON("/a/message/new", { body: body });
    },
  };

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = input.value;
    if (!body) return;
    input.disabled = true;
    updater.send(body).then(
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
  updater.start();
})();

/*
 * Trợ lý Tín dụng Chính sách — web chat widget. Plain JavaScript, no framework, no build.
 *
 * Embed on any website with one line (the script finds the bot from its own address):
 *   <script src="https://BOT-HOST/webhooks/web/widget.js" data-bot-url="https://BOT-HOST" defer></script>
 * Options (data- attributes on that script tag):
 *   data-bot-url   where the bot runs (default: where this script came from)
 *   data-mode      "floating" (a button in the corner opens the chat; default) or "page" (full page)
 *   data-open      "true" to open the floating chat at once
 *
 * Messages go to the bot's guarded REST channel (POST /webhooks/rest/webhook); the web
 * channel (/webhooks/web/) gives the conversation's history after a reload and stores
 * 👍/👎. Every text from the bot or the citizen is inserted as text (textContent), never
 * as HTML. The widget lives in a shadow root so the host page's styles and ours do not mix.
 */
(function () {
  "use strict";

  var SCRIPT = document.currentScript;
  var SOURCE_PREFIX = "Nguồn:";
  var SENDER_KEY = "tdcs-chat-sender";
  var OPEN_KEY = "tdcs-chat-open";
  var DISMISSED_KEY = "tdcs-announcement-dismissed";
  var SEND_TIMEOUT_MS = 30000;
  var HISTORY_TIMEOUT_MS = 15000;
  var MAX_MESSAGE_CHARS = 1000;
  var SVG_NS = "http://www.w3.org/2000/svg";

  var TEXT = {
    title: "Trợ lý Tín dụng Chính sách",
    subtitle: "Hỏi đáp vốn vay ưu đãi Ngân hàng Chính sách xã hội",
    launcher: "Hỏi đáp vốn vay",
    launcherLabel: "Mở trợ lý hỏi đáp vốn vay chính sách",
    close: "Thu nhỏ cửa sổ trò chuyện",
    newChat: "Trò chuyện mới",
    newChatAsk: "Bắt đầu cuộc trò chuyện mới? Nội dung hiện tại sẽ không hiện ở đây nữa.",
    newChatYes: "Bắt đầu",
    newChatNo: "Hủy",
    log: "Nội dung trò chuyện",
    inputLabel: "Câu hỏi của anh/chị",
    placeholder: "Nhập câu hỏi của anh/chị…",
    send: "Gửi",
    sendLabel: "Gửi câu hỏi",
    typing: "Trợ lý đang trả lời…",
    you: "Anh/chị",
    bot: "Trợ lý",
    quickReplies: "Gợi ý câu trả lời",
    feedbackAsk: "Câu trả lời có hữu ích không?",
    feedbackGroup: "Đánh giá câu trả lời",
    up: "Hữu ích",
    down: "Chưa hữu ích",
    thanks: "Cảm ơn anh/chị đã góp ý.",
    feedbackFailed: "Chưa gửi được góp ý, anh/chị thử lại sau.",
    feedbackUnknown: "Không ghi nhận được góp ý cho tin này.",
    offline: "Mất kết nối, chưa gửi được câu hỏi.",
    retry: "Thử lại",
    historyFailed: "Mất kết nối, chưa tải được cuộc trò chuyện.",
    note: "Trợ lý tự động, thông tin để tham khảo. Đừng gửi số CCCD, số tài khoản hay mật khẩu.",
    welcome: "Xin chào anh/chị! Anh/chị cần hỏi gì về vốn vay chính sách ạ?",
    announcement: "Thông báo",
    dismiss: "Đóng thông báo"
  };

  // ---------------------------------------------------------------- settings
  function scriptBase() {
    var attr = SCRIPT && SCRIPT.getAttribute("data-bot-url");
    if (attr) return attr.replace(/\/+$/, "");
    try { // ".../webhooks/web/widget.js" → "...": works behind a path prefix too
      var src = new URL(SCRIPT.src, document.baseURI);
      var path = src.pathname.replace(/\/webhooks\/web\/widget\.js$/, "");
      return src.origin + (path === src.pathname ? "" : path.replace(/\/+$/, ""));
    } catch (e) {
      return window.location.origin;
    }
  }

  var BOT = scriptBase();
  var MODE = (SCRIPT && SCRIPT.getAttribute("data-mode")) === "page" ? "page" : "floating";
  var START_OPEN = SCRIPT && SCRIPT.getAttribute("data-open") === "true";
  var REST_URL = BOT + "/webhooks/rest/webhook";
  var WEB_URL = BOT + "/webhooks/web";

  // ---------------------------------------------------------------- storage
  var memory = {};
  function store(kind) {
    try {
      var s = window[kind];
      var probe = "tdcs-probe";
      s.setItem(probe, "1");
      s.removeItem(probe);
      return s;
    } catch (e) {
      return { // storage blocked: keep the conversation for this page view only
        getItem: function (k) { return Object.prototype.hasOwnProperty.call(memory, k) ? memory[k] : null; },
        setItem: function (k, v) { memory[k] = String(v); },
        removeItem: function (k) { delete memory[k]; }
      };
    }
  }
  var local = store("localStorage");
  var session = store("sessionStorage");

  function newSenderId() {
    // A random UUID (version 4), as 32 hex digits after "web-": the bot accepts only this form.
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = "";
    for (var i = 0; i < bytes.length; i++) hex += (bytes[i] + 0x100).toString(16).slice(1);
    return "web-" + hex;
  }

  function senderId() {
    var id = local.getItem(SENDER_KEY);
    if (!id || !/^web-[0-9a-f]{32}$/.test(id)) {
      id = newSenderId();
      local.setItem(SENDER_KEY, id);
    }
    return id;
  }

  // ---------------------------------------------------------------- DOM helpers (text only)
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      for (var key in attrs) {
        if (!Object.prototype.hasOwnProperty.call(attrs, key) || attrs[key] == null) continue;
        if (key === "text") node.textContent = attrs[key];
        else if (key === "className") node.className = attrs[key];
        else node.setAttribute(key, attrs[key]);
      }
    }
    (children || []).forEach(function (child) {
      if (child == null) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function icon(paths, size) {
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", String(size || 24));
    svg.setAttribute("height", String(size || 24));
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    paths.forEach(function (d) {
      var path = document.createElementNS(SVG_NS, "path");
      path.setAttribute("d", d);
      svg.appendChild(path);
    });
    return svg;
  }
  var ICON_CHAT = ["M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z"];
  var ICON_CLOSE = ["M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6 10.6 12 5 6.4z"];
  var ICON_SEND = ["M3 20.5 21.5 12 3 3.5v6.6L15 12 3 13.9z"];
  var ICON_NEW = ["M12 5a7 7 0 1 0 7 7h-2a5 5 0 1 1-1.46-3.54L13 11h7V4l-2.05 2.05A6.97 6.97 0 0 0 12 5z"];

  // ---------------------------------------------------------------- network
  function request(url, options, timeoutMs) {
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, timeoutMs) : null;
    var opts = options || {};
    if (controller) opts.signal = controller.signal;
    opts.credentials = "omit";
    return fetch(url, opts).then(function (res) {
      if (timer) clearTimeout(timer);
      return res.text().then(function (body) {
        var data = null;
        try { data = body ? JSON.parse(body) : null; } catch (e) { data = null; }
        return { status: res.status, ok: res.ok, data: data };
      });
    }, function (err) {
      if (timer) clearTimeout(timer);
      throw err;
    });
  }

  function postJson(url, body, timeoutMs) {
    return request(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }, timeoutMs);
  }

  // ---------------------------------------------------------------- the widget
  function Widget() {
    this.sender = senderId();
    this.busy = false;
    this.loaded = false;
    this.welcome = null;
    this.announcement = null;
    this.build();
  }

  Widget.prototype.build = function () {
    var self = this;
    var host = el("div", { id: "tdcs-chat-widget" });
    host.style.display = "none"; // until the stylesheet has loaded
    var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
    var link = el("link", { rel: "stylesheet", href: WEB_URL + "/widget.css" });
    link.addEventListener("load", function () { host.style.display = ""; });
    link.addEventListener("error", function () { host.style.display = ""; });
    root.appendChild(link);

    this.launcher = el("button", {
      type: "button", className: "launcher", "aria-label": TEXT.launcherLabel,
      "aria-expanded": "false", "aria-controls": "tdcs-panel"
    }, [icon(ICON_CHAT, 28), el("span", { className: "launcher-text", text: TEXT.launcher })]);
    this.launcher.addEventListener("click", function () { self.open(true); });

    this.newButton = el("button", { type: "button", className: "header-button new-chat", title: TEXT.newChat,
      "aria-label": TEXT.newChat },
      [icon(ICON_NEW, 20), el("span", { text: TEXT.newChat })]);
    this.newButton.addEventListener("click", function () { self.askNewConversation(); });
    var headerButtons = [this.newButton];
    if (MODE === "floating") {
      this.closeButton = el("button", { type: "button", className: "header-button close", "aria-label": TEXT.close,
        title: TEXT.close }, [icon(ICON_CLOSE, 22)]);
      this.closeButton.addEventListener("click", function () { self.close(); });
      headerButtons.push(this.closeButton);
    }
    var header = el("header", { className: "header" }, [
      el("div", { className: "avatar", "aria-hidden": "true" }, [icon(ICON_CHAT, 26)]),
      el("div", { className: "titles" }, [
        el("h2", { className: "title", id: "tdcs-title", text: TEXT.title }),
        el("p", { className: "subtitle", text: TEXT.subtitle })
      ]),
      el("div", { className: "header-buttons" }, headerButtons)
    ]);

    var yes = el("button", { type: "button", className: "confirm-yes", text: TEXT.newChatYes });
    var no = el("button", { type: "button", className: "confirm-no", text: TEXT.newChatNo });
    yes.addEventListener("click", function () { self.newConversation(); });
    no.addEventListener("click", function () { self.confirmBar.hidden = true; self.newButton.focus(); });
    this.confirmBar = el("div", { className: "confirm", role: "group", "aria-label": TEXT.newChat },
      [el("p", { text: TEXT.newChatAsk }), el("div", { className: "confirm-buttons" }, [yes, no])]);
    this.confirmBar.hidden = true;

    this.log = el("div", { className: "log", role: "log", "aria-live": "polite", "aria-label": TEXT.log,
      tabindex: "0" });

    // The approved announcement (staff app), until it expires or the citizen closes it.
    this.bannerText = el("p", { className: "announcement-text" });
    var dismiss = el("button", { type: "button", className: "announcement-close", "aria-label": TEXT.dismiss,
      title: TEXT.dismiss }, [icon(ICON_CLOSE, 18)]);
    dismiss.addEventListener("click", function () { self.dismissBanner(); });
    this.banner = el("div", { className: "announcement-banner", role: "status", "aria-label": TEXT.announcement }, [
      el("strong", { className: "announcement-label", text: TEXT.announcement }), this.bannerText, dismiss
    ]);
    this.banner.hidden = true;

    this.input = el("textarea", { id: "tdcs-input", className: "input", rows: "1", maxlength: String(MAX_MESSAGE_CHARS),
      placeholder: TEXT.placeholder, autocomplete: "off", enterkeyhint: "send" });
    this.input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        self.submit();
      }
    });
    this.input.addEventListener("input", function () { self.autoGrow(); });
    this.sendButton = el("button", { type: "submit", className: "send", "aria-label": TEXT.sendLabel },
      [icon(ICON_SEND, 22), el("span", { text: TEXT.send })]);
    var form = el("form", { className: "composer" }, [
      el("label", { className: "visually-hidden", "for": "tdcs-input", text: TEXT.inputLabel }),
      this.input, this.sendButton
    ]);
    form.addEventListener("submit", function (event) { event.preventDefault(); self.submit(); });

    this.panel = el("section", { className: "panel", id: "tdcs-panel", role: "region", "aria-labelledby": "tdcs-title" },
      [header, this.confirmBar, this.banner, this.log, form, el("p", { className: "note", text: TEXT.note })]);
    this.panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && MODE === "floating") self.close();
    });

    this.container = el("div", { className: "tdcs", "data-mode": MODE }, [this.panel, MODE === "floating" ? this.launcher : null]);
    root.appendChild(this.container);
    document.body.appendChild(host);
    this.host = host;

    if (MODE === "page") { // the widget is the whole page
      document.documentElement.style.background = "#dde4ec";
      document.body.style.margin = "0";
    }
    if (MODE === "page" || START_OPEN || session.getItem(OPEN_KEY) === "1") this.open(false);
    else this.panel.hidden = true;
  };

  Widget.prototype.open = function (focus) {
    this.panel.hidden = false;
    this.container.classList.add("is-open");
    this.launcher.setAttribute("aria-expanded", "true");
    if (MODE === "floating") session.setItem(OPEN_KEY, "1");
    if (!this.loaded) this.loadHistory();
    if (focus) this.input.focus();
  };

  Widget.prototype.close = function () {
    this.panel.hidden = true;
    this.container.classList.remove("is-open");
    this.launcher.setAttribute("aria-expanded", "false");
    session.setItem(OPEN_KEY, "0");
    this.launcher.focus();
  };

  Widget.prototype.autoGrow = function () {
    this.input.style.height = "auto";
    this.input.style.height = Math.min(this.input.scrollHeight, 160) + "px";
  };

  // ------------------------------------------------------------ history and new conversation
  Widget.prototype.loadHistory = function () {
    var self = this;
    this.loaded = true;
    this.log.setAttribute("aria-busy", "true");
    var typing = this.showTyping();
    request(WEB_URL + "/history?sender=" + encodeURIComponent(this.sender), { method: "GET" }, HISTORY_TIMEOUT_MS)
      .then(function (res) {
        typing.remove();
        if (!res.ok || !res.data) throw new Error("history " + res.status);
        self.welcome = res.data.welcome || null;
        self.setAnnouncement(res.data.announcement);
        var turns = Array.isArray(res.data.turns) ? res.data.turns : [];
        if (!turns.length) self.showWelcome();
        turns.forEach(function (turn, index) {
          if (turn.user) self.addUserMessage(turn.user);
          if (turn.bot && turn.bot.length) {
            self.addBotTurn(turn.bot, { rating: turn.rating, quickReplies: index === turns.length - 1 });
          }
        });
        self.log.setAttribute("aria-busy", "false");
        self.log.scrollTop = self.log.scrollHeight;
      })
      .catch(function () {
        typing.remove();
        self.log.setAttribute("aria-busy", "false");
        self.loaded = false;
        self.showError(TEXT.historyFailed, function () { self.loadHistory(); });
      });
  };

  Widget.prototype.showWelcome = function () {
    if (this.announcement) { // a new conversation starts with the announcement
      var turn = this.addBotTurn([{ text: this.announcement.text }], { ratable: false });
      if (turn) turn.classList.add("turn-announcement");
    }
    var welcome = this.welcome || { text: TEXT.welcome, buttons: [] };
    this.addBotTurn([welcome], { ratable: false, quickReplies: true });
  };

  Widget.prototype.setAnnouncement = function (announcement) {
    var valid = announcement && typeof announcement.text === "string" && announcement.text.trim() &&
      (typeof announcement.id === "number" || typeof announcement.id === "string");
    this.announcement = valid ? { id: String(announcement.id), text: announcement.text } : null;
    if (!this.announcement || local.getItem(DISMISSED_KEY) === this.announcement.id) {
      this.banner.hidden = true;
      return;
    }
    this.bannerText.textContent = this.announcement.text;
    this.banner.hidden = false;
  };

  Widget.prototype.dismissBanner = function () {
    this.banner.hidden = true;
    if (this.announcement) local.setItem(DISMISSED_KEY, this.announcement.id);
    this.input.focus();
  };

  Widget.prototype.askNewConversation = function () {
    this.confirmBar.hidden = false;
    this.confirmBar.querySelector(".confirm-yes").focus();
  };

  Widget.prototype.newConversation = function () {
    this.confirmBar.hidden = true;
    this.sender = newSenderId();
    local.setItem(SENDER_KEY, this.sender);
    while (this.log.firstChild) this.log.removeChild(this.log.firstChild);
    if (this.welcome) this.showWelcome();
    else { this.loaded = false; this.loadHistory(); }
    this.input.focus();
  };

  // ------------------------------------------------------------ messages
  Widget.prototype.submit = function () {
    var text = this.input.value.trim();
    if (!text || this.busy) return;
    this.input.value = "";
    this.autoGrow();
    this.send(text, text);
  };

  Widget.prototype.send = function (message, shown) {
    if (this.busy) return;
    this.clearQuickReplies();
    this.clearErrors();
    this.addUserMessage(shown);
    this.deliver(message);
  };

  Widget.prototype.deliver = function (message) {
    var self = this;
    this.setBusy(true);
    var typing = this.showTyping();
    postJson(REST_URL, { sender: this.sender, message: message }, SEND_TIMEOUT_MS)
      .then(function (res) {
        typing.remove();
        self.setBusy(false);
        if (res.ok && Array.isArray(res.data)) {
          self.addBotTurn(res.data, { quickReplies: true, scrollToStart: true });
        } else if (res.data && typeof res.data.error === "string") {
          self.addBotTurn([{ text: res.data.error }], { ratable: false });
        } else {
          throw new Error("status " + res.status);
        }
      })
      .catch(function () {
        typing.remove();
        self.setBusy(false);
        self.showError(TEXT.offline, function () { self.clearErrors(); self.deliver(message); });
      });
  };

  Widget.prototype.setBusy = function (busy) {
    this.busy = busy;
    this.sendButton.disabled = busy;
    this.log.setAttribute("aria-busy", busy ? "true" : "false");
    var buttons = this.log.querySelectorAll(".quick-reply");
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = busy;
  };

  Widget.prototype.addUserMessage = function (text) {
    var row = el("div", { className: "turn turn-user" }, [
      el("div", { className: "bubble bubble-user" }, [
        el("span", { className: "visually-hidden", text: TEXT.you + ": " }),
        el("div", { className: "text", text: text })
      ])
    ]);
    this.log.appendChild(row);
    this.log.scrollTop = this.log.scrollHeight;
    return row;
  };

  /*
   * One bot turn: the messages answering one user message. Rasa's REST channel splits
   * an answer at blank lines, so a paragraph starting with "Nguồn:" is the source of the
   * paragraph before it and is shown as that bubble's footer.
   */
  Widget.prototype.addBotTurn = function (messages, options) {
    var self = this;
    var opts = options || {};
    var turn = el("div", { className: "turn turn-bot" });
    var texts = [];
    var buttons = [];
    var bubble = null;
    var hasSource = false;
    messages.forEach(function (message) {
      if (!message) return;
      var text = typeof message.text === "string" ? message.text : "";
      if (text.trim()) texts.push(text);
      text.split(/\n[ \t]*\n/).forEach(function (part) {
        part = part.replace(/^\s+|\s+$/g, "");
        if (!part) return;
        if (part.indexOf(SOURCE_PREFIX) === 0) {
          if (!bubble) bubble = self.botBubble(turn, null);
          self.addSource(bubble, part.slice(SOURCE_PREFIX.length).trim());
          hasSource = true;
        } else {
          bubble = self.botBubble(turn, part);
        }
      });
      if (Array.isArray(message.buttons)) {
        message.buttons.forEach(function (b) {
          if (b && typeof b.title === "string" && typeof b.payload === "string") buttons.push(b);
        });
      }
    });
    if (!turn.firstChild) return null;
    var ratable = opts.ratable !== false && (hasSource || !buttons.length);
    if (ratable) turn.appendChild(this.feedbackBar(texts.join("\n\n"), opts.rating));
    if (buttons.length && opts.quickReplies) turn.appendChild(this.quickReplies(buttons));
    this.log.appendChild(turn);
    if (opts.scrollToStart) { // a long answer is read from its start, under the question
      var before = turn.previousElementSibling;
      var top = before && before.classList.contains("turn-user") ? before : turn;
      var target = top.offsetTop - 12;
      this.log.scrollTop = Math.min(target, this.log.scrollHeight - this.log.clientHeight);
    } else {
      this.log.scrollTop = this.log.scrollHeight;
    }
    return turn;
  };

  Widget.prototype.botBubble = function (turn, text) {
    var bubble = el("div", { className: "bubble bubble-bot" }, [
      el("span", { className: "visually-hidden", text: TEXT.bot + ": " })
    ]);
    if (text) bubble.appendChild(el("div", { className: "text", text: text }));
    turn.appendChild(bubble);
    return bubble;
  };

  Widget.prototype.addSource = function (bubble, text) {
    bubble.classList.add("has-source");
    bubble.appendChild(el("div", { className: "source" }, [
      el("span", { className: "source-label", text: SOURCE_PREFIX }), " ", el("span", { className: "source-text", text: text })
    ]));
  };

  Widget.prototype.quickReplies = function (buttons) {
    var self = this;
    var group = el("div", { className: "quick-replies", role: "group", "aria-label": TEXT.quickReplies });
    buttons.forEach(function (b) {
      var button = el("button", { type: "button", className: "quick-reply", text: b.title });
      button.addEventListener("click", function () { self.send(b.payload, b.title); });
      group.appendChild(button);
    });
    return group;
  };

  Widget.prototype.clearQuickReplies = function () {
    var groups = this.log.querySelectorAll(".quick-replies");
    for (var i = 0; i < groups.length; i++) groups[i].remove();
  };

  Widget.prototype.feedbackBar = function (botText, rating) {
    var self = this;
    var status = el("span", { className: "feedback-status", role: "status" });
    var up = el("button", { type: "button", className: "feedback-button up", "aria-pressed": "false", "data-rating": "up" },
      [el("span", { className: "emoji", "aria-hidden": "true", text: "👍" }), el("span", { text: TEXT.up })]);
    var down = el("button", { type: "button", className: "feedback-button down", "aria-pressed": "false", "data-rating": "down" },
      [el("span", { className: "emoji", "aria-hidden": "true", text: "👎" }), el("span", { text: TEXT.down })]);
    function mark(value) {
      up.setAttribute("aria-pressed", value === "up" ? "true" : "false");
      down.setAttribute("aria-pressed", value === "down" ? "true" : "false");
    }
    function rate(value) {
      if (up.disabled) return;
      up.disabled = down.disabled = true;
      postJson(WEB_URL + "/feedback", { sender: self.sender, rating: value, bot_text: botText }, HISTORY_TIMEOUT_MS)
        .then(function (res) {
          if (res.ok) { mark(value); status.textContent = TEXT.thanks; }
          else status.textContent = res.status === 404 ? TEXT.feedbackUnknown : TEXT.feedbackFailed;
        }, function () { status.textContent = TEXT.feedbackFailed; })
        .then(function () { up.disabled = down.disabled = false; });
    }
    up.addEventListener("click", function () { rate("up"); });
    down.addEventListener("click", function () { rate("down"); });
    if (rating === "up" || rating === "down") mark(rating);
    return el("div", { className: "feedback", role: "group", "aria-label": TEXT.feedbackGroup }, [
      el("span", { className: "feedback-ask", text: TEXT.feedbackAsk }), up, down, status
    ]);
  };

  Widget.prototype.showTyping = function () {
    var row = el("div", { className: "turn turn-bot typing-row" }, [
      el("div", { className: "bubble bubble-bot typing" }, [
        el("span", { className: "dot", "aria-hidden": "true" }),
        el("span", { className: "dot", "aria-hidden": "true" }),
        el("span", { className: "dot", "aria-hidden": "true" }),
        el("span", { className: "visually-hidden", text: TEXT.typing })
      ])
    ]);
    this.log.appendChild(row);
    this.log.scrollTop = this.log.scrollHeight;
    return row;
  };

  Widget.prototype.showError = function (text, retry) {
    var button = el("button", { type: "button", className: "retry", text: TEXT.retry });
    button.addEventListener("click", function () { retry(); });
    var box = el("div", { className: "error", role: "alert" }, [el("span", { text: text }), button]);
    this.log.appendChild(box);
    this.log.scrollTop = this.log.scrollHeight;
  };

  Widget.prototype.clearErrors = function () {
    var boxes = this.log.querySelectorAll(".error");
    for (var i = 0; i < boxes.length; i++) boxes[i].remove();
  };

  function start() {
    if (window.__tdcsChatWidget) return; // pasted twice: one widget
    window.__tdcsChatWidget = new Widget();
  }
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();

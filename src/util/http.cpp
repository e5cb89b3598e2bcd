#include "util/http.h"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

#include "util/log.h"
#include "util/sensitive.h"

namespace sp::http {

std::string Response::header(const std::string& name) const {
  auto found = headers.find(name);
  return found == headers.end() ? std::string() : found->second;
}

std::string resolve_ca_bundle(const std::string& option) {
  if (!option.empty()) return option;
  for (const char* name : {"SECRET_PREFLIGHT_CA_BUNDLE", "AWS_CA_BUNDLE"}) {
    const char* value = std::getenv(name);
    if (value != nullptr && *value != '\0') return value;
  }
  return "";
}

namespace {

// One request in flight: the easy handle and everything it points at, which
// must outlive the transfer.
struct Transfer {
  Request request;
  Response response;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  char error[CURL_ERROR_SIZE] = {};
  std::promise<Response> done;
};

size_t write_body(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  std::string& body = transfer->response.body;
  size_t length = size * count;
  // A body can hold a secret value, and growing a string frees its old
  // buffer with the bytes intact, so the body moves to a larger buffer here
  // and the old one is wiped before it is freed.
  if (body.size() + length > body.capacity()) {
    std::string larger;
    larger.reserve(std::max(body.capacity() * 2, body.size() + length));
    larger.append(body);
    wipe(body);
    body.swap(larger);
  }
  body.append(data, length);
  return length;
}

size_t write_header(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  auto colon = line.find(':');
  if (colon == std::string_view::npos) {
    // A status line starts a new header block (after a redirect or 100-continue).
    if (line.starts_with("HTTP/")) transfer->response.headers.clear();
    return size * count;
  }
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  transfer->response.headers[name] = std::string(value);
  return size * count;
}

class CurlTransport final : public HttpTransport {
 public:
  explicit CurlTransport(const TransportOptions& options) : options_(options) {
    static std::once_flag global_init;
    std::call_once(global_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    multi_ = curl_multi_init();
    curl_multi_setopt(multi_, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    curl_multi_setopt(multi_, CURLMOPT_MAX_TOTAL_CONNECTIONS,
                      static_cast<long>(std::max(1, options_.max_connections)));
    // libcurl's idle connection cache keeps four connections per easy handle
    // added (the CURLMOPT_MAXCONNECTS default), and every request here gets a
    // fresh easy handle. With few requests in flight it closed connections
    // the next burst needed, so the cache is as large as the bound.
    curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, static_cast<long>(std::max(1, options_.max_connections)));
    worker_ = std::thread([this] { run(); });
  }

  ~CurlTransport() override {
    stopping_ = true;
    curl_multi_wakeup(multi_);
    worker_.join();
    curl_multi_cleanup(multi_);
  }

  Response perform(const Request& request) override {
    auto transfer = std::make_unique<Transfer>();
    transfer->request = request;
    std::future<Response> result = transfer->done.get_future();
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(std::move(transfer));
    }
    curl_multi_wakeup(multi_);
    return result.get();
  }

 private:
  void start(std::unique_ptr<Transfer> transfer) {
    CURL* easy = curl_easy_init();
    Transfer* t = transfer.get();
    t->easy = easy;
    curl_easy_setopt(easy, CURLOPT_URL, t->request.url.c_str());
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    curl_easy_setopt(easy, CURLOPT_PIPEWAIT, 1L);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, t->error);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, write_header);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options_.connect_timeout.count()));
    auto timeout = t->request.timeout.count() > 0 ? t->request.timeout : options_.request_timeout;
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    if (!options_.ca_bundle.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, options_.ca_bundle.c_str());
    if (t->request.method == "POST") {
      curl_easy_setopt(easy, CURLOPT_POST, 1L);
      curl_easy_setopt(easy, CURLOPT_POSTFIELDS, t->request.body.data());
      curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(t->request.body.size()));
    } else if (t->request.method != "GET") {
      curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, t->request.method.c_str());
      // PATCH and PUT carry a body too (GitHub comment and check run updates).
      if (!t->request.body.empty()) {
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, t->request.body.data());
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(t->request.body.size()));
      }
    }
    // An empty Expect stops curl from waiting for 100-continue on larger bodies.
    t->headers = curl_slist_append(t->headers, "Expect:");
    for (const auto& [name, value] : t->request.headers)
      t->headers = curl_slist_append(t->headers, (name + ": " + value).c_str());
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t->headers);
    curl_easy_setopt(easy, CURLOPT_PRIVATE, t);
    curl_multi_add_handle(multi_, easy);
    active_.push_back(std::move(transfer));
  }

  void finish(CURL* easy, CURLcode code) {
    auto found = std::find_if(active_.begin(), active_.end(),
                              [easy](const auto& t) { return t->easy == easy; });
    if (found == active_.end()) return;
    std::unique_ptr<Transfer> transfer = std::move(*found);
    active_.erase(found);
    curl_multi_remove_handle(multi_, easy);
    if (code == CURLE_OK) {
      long status = 0;
      curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
      transfer->response.status = static_cast<int>(status);
    } else {
      transfer->response.status = 0;
      transfer->response.timed_out = code == CURLE_OPERATION_TIMEDOUT;
      transfer->response.tls_failure = code == CURLE_PEER_FAILED_VERIFICATION ||
                                       code == CURLE_SSL_CACERT_BADFILE || code == CURLE_SSL_CERTPROBLEM ||
                                       code == CURLE_SSL_PINNEDPUBKEYNOTMATCH;
      transfer->response.transport_error =
          transfer->error[0] != '\0' ? transfer->error : curl_easy_strerror(code);
    }
    // Only the method, URL and outcome are logged: bodies can carry tokens,
    // credentials and secret values.
    log::debug("http", transfer->request.method + " " + transfer->request.url + " -> " +
                           (code == CURLE_OK ? std::to_string(transfer->response.status)
                                             : transfer->response.transport_error));
    curl_easy_cleanup(easy);
    curl_slist_free_all(transfer->headers);
    transfer->done.set_value(std::move(transfer->response));
  }

  void run() {
    while (true) {
      {
        std::lock_guard lock(mutex_);
        while (!queue_.empty()) {
          start(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      if (stopping_ && active_.empty()) break;
      int running = 0;
      curl_multi_perform(multi_, &running);
      int remaining = 0;
      while (CURLMsg* message = curl_multi_info_read(multi_, &remaining))
        if (message->msg == CURLMSG_DONE) finish(message->easy_handle, message->data.result);
      curl_multi_poll(multi_, nullptr, 0, 1000, nullptr);
    }
  }

  TransportOptions options_;
  CURLM* multi_ = nullptr;
  std::thread worker_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::deque<std::unique_ptr<Transfer>> queue_;
  std::vector<std::unique_ptr<Transfer>> active_;
};

}  // namespace

std::unique_ptr<HttpTransport> make_curl_transport(const TransportOptions& options) {
  return std::make_unique<CurlTransport>(options);
}

}  // namespace sp::http

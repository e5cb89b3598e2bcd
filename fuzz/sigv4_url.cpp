// URL splitting, percent-encoding and SigV4 signing of a request whose URL,
// headers and body come from the input. Percent-decoding must undo
// percent-encoding for every byte string.
#include <fuzzer/FuzzedDataProvider.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "auth/sigv4.h"
#include "util/url.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider input(data, size);
  std::string text = input.ConsumeRandomLengthString(512);
  if (sp::url::percent_decode(sp::url::percent_encode(text)) != text) std::abort();
  (void)sp::url::percent_decode(text, true);

  sp::url::Parts parts;
  if (sp::url::parse(text, parts)) (void)sp::url::host_header(parts);

  sp::http::Request request;
  request.method = input.ConsumeBool() ? "POST" : "GET";
  request.url = text;
  int header_count = input.ConsumeIntegralInRange(0, 4);
  for (int i = 0; i < header_count; ++i) {
    std::string name = input.ConsumeRandomLengthString(32);
    std::string value = input.ConsumeRandomLengthString(64);
    request.headers.emplace_back(name, value);
  }
  request.body = input.ConsumeRemainingBytesAsString();
  sp::auth::AwsCredentials credentials;
  credentials.access_key_id = "AKIDEXAMPLE";
  credentials.secret_access_key = sp::SensitiveString("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  credentials.session_token = sp::SensitiveString(size % 2 ? "session-token" : "");
  auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1440938160));
  (void)sp::auth::sign(request, credentials, "us-east-1", "secretsmanager", now);
  return 0;
}

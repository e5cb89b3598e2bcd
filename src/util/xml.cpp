#include "util/xml.h"

#include <cstdint>

namespace sp::xml {

const Element* Element::child(std::string_view wanted) const {
  for (const auto& element : children)
    if (element.name == wanted) return &element;
  return nullptr;
}

const Element* Element::find(std::string_view path) const {
  const Element* current = this;
  while (current != nullptr && !path.empty()) {
    auto slash = path.find('/');
    current = current->child(path.substr(0, slash));
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
  }
  return current;
}

std::string Element::text_at(std::string_view path) const {
  const Element* found = find(path);
  return found ? found->text : std::string();
}

namespace {

void append_utf8(std::string& out, uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

std::string_view local_name(std::string_view name) {
  auto colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  std::optional<Element> parse_document(std::string* error) {
    skip_misc();
    if (!at("<")) return fail(error, "no root element");
    Element root;
    if (!parse_element(root)) return fail(error, reason_);
    skip_misc();
    if (pos_ != text_.size()) return fail(error, "content after the root element");
    return root;
  }

 private:
  std::optional<Element> fail(std::string* error, const std::string& reason) {
    if (error) *error = reason + " at offset " + std::to_string(pos_);
    return std::nullopt;
  }

  bool at(std::string_view prefix) const { return text_.substr(pos_).starts_with(prefix); }

  bool skip_past(std::string_view terminator) {
    auto end = text_.find(terminator, pos_);
    if (end == std::string_view::npos) return false;
    pos_ = end + terminator.size();
    return true;
  }

  void skip_space() {
    while (pos_ < text_.size() && std::string_view(" \t\r\n").find(text_[pos_]) != std::string_view::npos)
      ++pos_;
  }

  // Declarations, comments, processing instructions and whitespace outside the root.
  void skip_misc() {
    while (true) {
      skip_space();
      if (at("<?")) {
        if (!skip_past("?>")) pos_ = text_.size();
      } else if (at("<!--")) {
        if (!skip_past("-->")) pos_ = text_.size();
      } else if (at("<!DOCTYPE")) {
        if (!skip_past(">")) pos_ = text_.size();
      } else {
        return;
      }
    }
  }

  bool parse_element(Element& element) {
    ++pos_;  // '<'
    size_t name_start = pos_;
    while (pos_ < text_.size() && std::string_view(" \t\r\n/>").find(text_[pos_]) == std::string_view::npos)
      ++pos_;
    std::string_view qualified = text_.substr(name_start, pos_ - name_start);
    if (qualified.empty()) return error("empty element name");
    element.name = std::string(local_name(qualified));
    // Attributes are skipped, honouring quotes so '>' inside a value is not an end.
    char quote = 0;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (quote) {
        if (c == quote) quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '>' || c == '/') {
        break;
      }
      ++pos_;
    }
    if (at("/>")) {
      pos_ += 2;
      return true;
    }
    if (!at(">")) return error("unterminated start tag");
    ++pos_;
    return parse_content(element, qualified);
  }

  bool parse_content(Element& element, std::string_view qualified) {
    std::string raw;
    while (pos_ < text_.size()) {
      if (at("</")) {
        pos_ += 2;
        auto end = text_.find('>', pos_);
        if (end == std::string_view::npos) return error("unterminated end tag");
        std::string_view closing = text_.substr(pos_, end - pos_);
        while (!closing.empty() && (closing.back() == ' ' || closing.back() == '\n')) closing.remove_suffix(1);
        if (closing != qualified) return error("mismatched end tag");
        pos_ = end + 1;
        element.text += decode_entities(raw);
        return true;
      }
      if (at("<![CDATA[")) {
        element.text += decode_entities(raw);
        raw.clear();
        pos_ += 9;
        auto end = text_.find("]]>", pos_);
        if (end == std::string_view::npos) return error("unterminated CDATA section");
        element.text += std::string(text_.substr(pos_, end - pos_));
        pos_ = end + 3;
      } else if (at("<!--")) {
        if (!skip_past("-->")) return error("unterminated comment");
      } else if (at("<?")) {
        if (!skip_past("?>")) return error("unterminated processing instruction");
      } else if (at("<")) {
        if (++depth_ > kMaxDepth) return error("elements nested too deeply");
        Element child;
        if (!parse_element(child)) return false;
        --depth_;
        element.children.push_back(std::move(child));
      } else {
        raw += text_[pos_++];
      }
    }
    return error("unterminated element");
  }

  bool error(const char* reason) {
    if (reason_.empty()) reason_ = reason;
    return false;
  }

  static constexpr int kMaxDepth = 64;
  std::string_view text_;
  size_t pos_ = 0;
  int depth_ = 0;
  std::string reason_;
};

}  // namespace

std::string decode_entities(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out += text[i];
      continue;
    }
    auto semicolon = text.find(';', i);
    if (semicolon == std::string_view::npos || semicolon - i > 12) {
      out += '&';
      continue;
    }
    std::string_view entity = text.substr(i + 1, semicolon - i - 1);
    if (entity == "lt") out += '<';
    else if (entity == "gt") out += '>';
    else if (entity == "amp") out += '&';
    else if (entity == "quot") out += '"';
    else if (entity == "apos") out += '\'';
    else if (entity.size() > 1 && entity[0] == '#') {
      bool hex = entity[1] == 'x' || entity[1] == 'X';
      std::string digits(entity.substr(hex ? 2 : 1));
      uint32_t code = 0;
      try {
        code = static_cast<uint32_t>(std::stoul(digits, nullptr, hex ? 16 : 10));
      } catch (const std::exception&) {
        out += '&';
        continue;
      }
      append_utf8(out, code);
    } else {
      out += '&';
      continue;
    }
    i = semicolon;
  }
  return out;
}

std::optional<Element> parse(std::string_view document, std::string* error) {
  return Parser(document).parse_document(error);
}

}  // namespace sp::xml

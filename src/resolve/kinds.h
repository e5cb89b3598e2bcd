// The manifest kinds the resolvers read, so that the loader can drop every
// other document right after parsing it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/model.h"
#include "manifest/document.h"

namespace sp::resolve {

/// Decides, for each loaded document, whether any resolver reads it, and
/// counts the documents it drops by kind.
class DocumentFilter {
 public:
  explicit DocumentFilter(std::vector<Diagnostic>& diagnostics) : diagnostics_(diagnostics) {}

  /// Returns true for an ECS task definition and for a Kubernetes object of
  /// a kind some resolver reads. Adds a warning when such an object's
  /// apiVersion names the kind's API group with a version the resolvers were
  /// not written for (`external-secrets.io/v2alpha9`). The object is kept
  /// all the same and read as the known versions are.
  bool keep(const manifest::Document& document);

  /// Documents seen by keep(), kept or not.
  size_t seen() const { return seen_; }
  /// Dropped documents per kind.
  const std::map<std::string, size_t>& dropped() const { return dropped_; }

 private:
  std::vector<Diagnostic>& diagnostics_;
  size_t seen_ = 0;
  std::map<std::string, size_t> dropped_;
};

}  // namespace sp::resolve

// Cloud Run services (serving.knative.dev/v1 Service) and jobs
// (run.googleapis.com/v1 Job): secrets in environment variables and volumes,
// read by Cloud Run as the revision's runtime service account.
#pragma once

#include "manifest/document.h"
#include "resolve/context.h"

namespace sp::resolve::gcp {

/// Adds an edge per env[].valueFrom.secretKeyRef and per secret volume item
/// (or per secret volume without items) of `document` when it is a Cloud Run
/// service or job. A Knative Service without Cloud Run markers
/// (run.googleapis.com/* annotations, the cloud.googleapis.com/location
/// label, or a service account email) is a cluster Service and is skipped.
void resolve_cloud_run(const manifest::Document& document, ResolveContext& context);

}  // namespace sp::resolve::gcp

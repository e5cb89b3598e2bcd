#include "auth/endpoints.h"

#include <catch2/catch.hpp>
#include <string>

TEST_CASE("AWS region names are validated", "[auth]") {
  for (const std::string region :
       {"us-east-1", "eu-central-2", "us-gov-west-1", "cn-north-1", "us-isob-east-1", "ap-southeast-5"})
    CHECK(sp::auth::is_aws_region(region));
  // Each of these would put a foreign host or path into the endpoint URL.
  for (const std::string region : {"", "evil.example/x?", "127.0.0.1#", "us-east-1.evil.example",
                                   "US-EAST-1", "us-east-1/", "us_east_1"})
    CHECK_FALSE(sp::auth::is_aws_region(region));
}

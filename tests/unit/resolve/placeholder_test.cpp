#include "resolve/placeholder.h"

#include <catch2/catch.hpp>

TEST_CASE("Placeholder forms are detected", "[resolve]") {
  struct Case {
    std::string value;
    std::string placeholder;
  };
  std::vector<Case> cases = {
      {"{{ .Values.roleArn }}", "{{ .Values.roleArn }}"},
      {"arn:aws:iam::{{ include \"acct\" . }}:role/x", "{{ include \"acct\" . }}"},
      {"{{ must_env `DB_ARN` }}", "{{ must_env `DB_ARN` }}"},
      {"{{ region }}", "{{ region }}"},
      {"{% raw %}x", "{% raw %}"},
      {"${DB_SECRET_ARN}", "${DB_SECRET_ARN}"},
      {"arn:aws:ssm:$REGION:111122223333:parameter/x", "$REGION"},
      {"$(SECRET_NAME)", "$(SECRET_NAME)"},
      {"$$$SECRET$$$", "$$$SECRET$$$"},
      {"__DB_SECRET__", "__DB_SECRET__"},
      {"arn:aws:secretsmanager:<REGION>:111122223333:secret:x", "<REGION>"},
      {"arn:aws:iam::your-account:role/x", "your-account"},
      {"REPLACE_ME", "REPLACE_ME"},
      {"projects/[PROJECT_ID]/secrets/x", "[PROJECT_ID]"},
      {"\\(env.ROLE)", "\\(env.ROLE)"},
      {"arn:aws:secretsmanager:region:account:secret:x", "region"},
      {"arn:aws:secretsmanager:us-east-1:account:secret:x", "account"},
  };
  for (const auto& test : cases) {
    INFO(test.value);
    CHECK(sp::resolve::find_placeholder(test.value) == test.placeholder);
  }
}

TEST_CASE("Final values have no placeholder", "[resolve]") {
  for (std::string value :
       {"arn:aws:secretsmanager:us-east-1:111122223333:secret:app/db-AbCdEf",
        "arn:aws:iam::111122223333:role/my-app", "/shop/orders/api-key", "shop/orders/db",
        "arn:aws-us-gov:ssm:us-gov-west-1:111122223333:parameter/a", "my_secret"}) {
    INFO(value);
    CHECK(sp::resolve::find_placeholder(value).empty());
  }
}

"""Real SDK clients make the first call most integrations make, getMarketplaceParticipations, and
read getAccount, against a live server under strict auth: python-amazon-sp-api's ``Sellers``
(``get_marketplace_participation``, ``get_account``), amzn-sp-api's ``SellersApi`` (Amazon's own
SDK, typed models) and amazon-sp-api for Node (``sellers.getMarketplaceParticipations``).

What they must see: the built-in fixtures' default seller sells where its orders are (the US,
Canada and Mexico, the UK, Germany, France, Italy and Spain, and Japan; fixtures/default), each
marketplace as Amazon's table names it, every participation a healthy one; a seller created for
other marketplaces sees those.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from spapi_mock.kernel import resources

from support.orders import BUILT_IN_MARKETPLACES
from support.reference import assert_valid_response
from support.sdk import amzn_sp_api_client, python_sp_api_client, refresh_token

SERVE = ("--fixtures", str(resources.default_fixtures_dir()), "--strict-auth")
US, CA, MX, GB, DE, FR, IT, ES, JP = BUILT_IN_MARKETPLACES
# Amazon's table order: North America, Europe, Far East.
DEFAULT_SELLERS = [US, CA, MX, GB, DE, FR, IT, ES, JP]


@pytest.fixture(scope="module")
def psa_sellers(server):
    client = python_sp_api_client("Sellers", server.base_url, refresh_token("sellers"))
    yield client
    client.close()


def test_python_amazon_sp_api_reads_the_participations_and_the_account(psa_sellers):
    participations = psa_sellers.get_marketplace_participation().payload
    assert_valid_response("GET", "/sellers/v1/marketplaceParticipations", 200, {"payload": participations})
    assert [p["marketplace"]["id"] for p in participations] == DEFAULT_SELLERS
    uk = participations[3]["marketplace"]
    assert (uk["name"], uk["countryCode"], uk["defaultCurrencyCode"], uk["defaultLanguageCode"], uk["domainName"]) == (
        "Amazon.co.uk",
        "GB",
        "GBP",
        "en_GB",
        "www.amazon.co.uk",
    )
    assert all(p["participation"] == {"isParticipating": True, "hasSuspendedListings": False} for p in participations)

    account = psa_sellers.get_account().payload
    assert_valid_response("GET", "/sellers/v1/account", 200, {"payload": account})
    assert account["sellingPlan"] == "PROFESSIONAL"
    assert account["marketplaceParticipationList"] == participations


def test_amzn_sp_api_reads_a_created_sellers_participations_as_typed_models(server, control):
    from spapi import SellersApi

    seller = control.create_seller(seed="empty", marketplace_ids=[JP, DE])
    sellers = SellersApi(amzn_sp_api_client(server.base_url, seller["refreshToken"]).api_client)
    found = sellers.get_marketplace_participations().payload
    assert [p.marketplace.id for p in found] == [DE, JP]
    assert (found[1].marketplace.name, found[1].marketplace.default_language_code, found[1].store_name) == (
        "Amazon.co.jp",
        "ja_JP",
        f"{seller['sellerId']} Store",
    )
    assert found[0].participation.is_participating is True and found[0].participation.has_suspended_listings is False
    account = sellers.get_account().payload
    assert account.selling_plan == "PROFESSIONAL" and account.business_type == "PRIVATE_LIMITED"
    assert account.business.registered_business_address.country_code == "DE"


# amazon-sp-api (Node): its requests go to Amazon's hosts over https; the agent (as
# examples/js/amz-tools.mjs) sends them here.
NODE_SCRIPT = """
import http from "node:http";
import SellingPartner from "amazon-sp-api";

const mock = new URL(process.argv[2]);
class MockAgent extends http.Agent {
  protocol = "https:";
  createConnection(options, callback) {
    return super.createConnection({ host: mock.hostname, port: mock.port }, callback);
  }
}
const sp = new SellingPartner({
  region: "na",
  refresh_token: "Atzr|node-sellers",
  credentials: { SELLING_PARTNER_APP_CLIENT_ID: "amzn1.application-oa2-client.demo",
                 SELLING_PARTNER_APP_CLIENT_SECRET: "any" },
  options: { https_proxy_agent: new MockAgent(), auto_request_throttled: false },
});
const participations = await sp.callAPI({ operation: "sellers.getMarketplaceParticipations" });
console.log(JSON.stringify(participations));
"""


def test_node_amazon_sp_api_reads_the_participations(server, node_modules, tmp_path):
    from support.node import NODE

    script = tmp_path / "sellers.mjs"
    script.write_text(NODE_SCRIPT, encoding="utf-8")
    (tmp_path / "node_modules").symlink_to(node_modules)
    result = subprocess.run([NODE, script.name, server.base_url], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    participations = json.loads(result.stdout)
    assert_valid_response("GET", "/sellers/v1/marketplaceParticipations", 200, {"payload": participations})
    assert [p["marketplace"]["id"] for p in participations] == DEFAULT_SELLERS

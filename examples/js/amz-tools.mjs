import http from "node:http";

import SellingPartner from "amazon-sp-api";

// amazon-sp-api sends every request, its token requests too, to an Amazon host over https on port 443,
// through the agent given as https_proxy_agent: this one connects to the mock instead, in plain http,
// so https://api.amazon.com/auth/o2/token becomes the mock's /auth/o2/token.
const mock = new URL(process.env.SPAPI_MOCK_URL ?? "http://127.0.0.1:8080");
class MockAgent extends http.Agent {
  protocol = "https:"; // what https.request expects of its agent
  createConnection(options, callback) {
    return super.createConnection({ host: mock.hostname, port: mock.port }, callback);
  }
}

const sp = new SellingPartner({
  region: "na",
  refresh_token: "Atzr|any",
  credentials: { SELLING_PARTNER_APP_CLIENT_ID: "amzn1.application-oa2-client.demo",
                 SELLING_PARTNER_APP_CLIENT_SECRET: "any" },
  options: { https_proxy_agent: new MockAgent() },
});

const since = new Date(Date.now() - 7 * 24 * 3600 * 1000).toISOString();
const listed = [];
let nextToken;
do {  // callAPI answers the payload
  const page = await sp.callAPI({ operation: "orders.getOrders", query: {
    MarketplaceIds: ["ATVPDKIKX0DER"], CreatedAfter: since, MaxResultsPerPage: 10, NextToken: nextToken } });
  listed.push(...page.Orders);
  nextToken = page.NextToken;
} while (nextToken);
const { OrderItems } = await sp.callAPI({ operation: "orders.getOrderItems",
                                          path: { orderId: "111-4575884-6753368" } });
const { IsBuyerRequestedCancel, BuyerCancelReason } = OrderItems[0].BuyerRequestedCancel;
console.log(listed.length, "orders;", IsBuyerRequestedCancel, BuyerCancelReason);

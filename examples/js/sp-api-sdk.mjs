import { SellingPartnerApiAuth } from "@sp-api-sdk/auth";
import { createAxiosInstance } from "@sp-api-sdk/common";
import { OrdersApi, clientRateLimits } from "@sp-api-sdk/orders-api-v0";

const base = process.env.SPAPI_MOCK_URL ?? "http://127.0.0.1:8080";

// SellingPartnerApiAuth only posts to https://api.amazon.com/auth/o2/token: ask the mock instead.
class MockAuth extends SellingPartnerApiAuth {
  #token;
  getAccessToken() {
    this.#token ??= fetch(`${base}/auth/o2/token`, {
      method: "POST",
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: this.refreshToken,
                                  client_id: this.clientId, client_secret: this.clientSecret }),
    }).then((response) => response.json()).then((body) => body.access_token);
    return this.#token;
  }
}

// OrdersApiClient only knows Amazon's region endpoints: build one as it does, on the mock's address.
const auth = new MockAuth({ clientId: "amzn1.application-oa2-client.demo", clientSecret: "any",
                            refreshToken: "Atzr|any" });
const { axios } = createAxiosInstance({ auth, region: "na" }, clientRateLimits);
const ordersApi = new OrdersApi(undefined, base, axios);

const since = new Date(Date.now() - 7 * 24 * 3600 * 1000).toISOString();
const listed = [];
let nextToken;
do {
  const { data } = await ordersApi.getOrders({ marketplaceIds: ["ATVPDKIKX0DER"], createdAfter: since,
                                               maxResultsPerPage: 10, nextToken });
  listed.push(...data.payload.Orders);
  nextToken = data.payload.NextToken;
} while (nextToken);
const { data } = await ordersApi.getOrderItems({ orderId: "111-4575884-6753368" });
const { IsBuyerRequestedCancel, BuyerCancelReason } = data.payload.OrderItems[0].BuyerRequestedCancel;
console.log(listed.length, "orders;", IsBuyerRequestedCancel, BuyerCancelReason);

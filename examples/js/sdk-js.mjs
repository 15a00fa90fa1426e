import { OrdersSpApi } from "@amazon-sp-api-release/amazon-sp-api-sdk-js";

const base = process.env.SPAPI_MOCK_URL ?? "http://127.0.0.1:8080";

// The SDK's own LWA client only posts to https://api.amazon.com/auth/o2/token: ask the mock instead.
const lwa = await fetch(`${base}/auth/o2/token`, {
  method: "POST",
  body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: "Atzr|any",
                              client_id: "amzn1.application-oa2-client.demo", client_secret: "any" }),
});
const apiClient = new OrdersSpApi.ApiClient(base);
apiClient.applyXAmzAccessTokenToRequest((await lwa.json()).access_token);
const ordersApi = new OrdersSpApi.OrdersV0Api(apiClient);

const since = new Date(Date.now() - 7 * 24 * 3600 * 1000).toISOString();
const listed = [];
let nextToken;
do {  // the SDK's models name the fields in camelCase
  const { payload } = await ordersApi.getOrders(["ATVPDKIKX0DER"],
                                                { createdAfter: since, maxResultsPerPage: 10, nextToken });
  listed.push(...payload.orders);
  nextToken = payload.nextToken;
} while (nextToken);
const items = (await ordersApi.getOrderItems("111-4575884-6753368")).payload.orderItems;
const { isBuyerRequestedCancel, buyerCancelReason } = items[0].buyerRequestedCancel;
console.log(listed.length, "orders;", isBuyerRequestedCancel, buyerCancelReason);

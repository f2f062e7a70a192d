"""The GraphQL documents the Shopify client sends (Admin API 2026-10, ``SHOPIFY_API_VERSION``).

None uses a field the 2026-10 schema marks deprecated: the featured image is ``featuredMedia``, an
inventory item's variant is ``variants(first: 1)``, a customer's email and phone are
``defaultEmailAddress``/``defaultPhoneNumber``, a webhook's address is ``uri``, and ``productSet`` names
the product to update with ``identifier`` (tests walk every document against the schema)."""

PRODUCT_FIELDS = """
  id legacyResourceId title handle descriptionHtml vendor productType status tags createdAt updatedAt
  options { name position values }
  featuredMedia { id ... on MediaImage { image { url altText } } }
"""

VARIANT_FIELDS = """
  id legacyResourceId sku barcode price compareAtPrice position inventoryQuantity inventoryPolicy
  selectedOptions { name value }
  inventoryItem { id tracked }
"""

PRODUCTS = f"""
query FlytProducts($first: Int!, $after: String, $query: String, $variantsFirst: Int!) {{
  products(first: $first, after: $after, query: $query, sortKey: ID) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{
      {PRODUCT_FIELDS}
      variants(first: $variantsFirst) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {VARIANT_FIELDS} }} }}
    }}
  }}
}}
"""

PRODUCT_VARIANTS = f"""
query FlytProductVariants($id: ID!, $first: Int!, $after: String) {{
  product(id: $id) {{
    variants(first: $first, after: $after) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {VARIANT_FIELDS} }} }}
  }}
}}
"""

PRODUCT = f"""
query FlytProduct($id: ID!, $variantsFirst: Int!) {{
  product(id: $id) {{
    {PRODUCT_FIELDS}
    variants(first: $variantsFirst) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {VARIANT_FIELDS} }} }}
  }}
}}
"""

# A product may have 2,048 variants and a page holds 250: the rest are read with PRODUCT_VARIANTS
PRODUCT_SET_FIELDS = """
  product {
    id legacyResourceId
    variants(first: 250) { pageInfo { hasNextPage endCursor } nodes { id legacyResourceId sku inventoryItem { id } } }
  }
  userErrors { field message code }
"""

LOCATIONS = """
query FlytLocations($first: Int!, $after: String) {
  locations(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id legacyResourceId name isActive }
  }
}
"""

LOCATION_LEVELS = """
query FlytLocationLevels($id: ID!, $first: Int!, $after: String) {
  location(id: $id) {
    inventoryLevels(first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { item { id sku variants(first: 1) { nodes { id } } } quantities(names: ["available"]) { name quantity } }
    }
  }
}
"""

ITEM_LEVELS = """
query FlytItemLevels($ids: [ID!]!, $locations: Int!) {
  nodes(ids: $ids) {
    ... on InventoryItem {
      id sku
      variants(first: 1) { nodes { id } }
      inventoryLevels(first: $locations) {
        nodes { location { id } quantities(names: ["available"]) { name quantity } }
      }
    }
  }
}
"""

SET_QUANTITIES = """
mutation FlytSetQuantities($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id changes { name delta quantityAfterChange } }
    userErrors { field message code }
  }
}
"""

ADJUST_QUANTITIES = """
mutation FlytAdjustQuantities($input: InventoryAdjustQuantitiesInput!, $key: String!) {
  inventoryAdjustQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id changes { name delta quantityAfterChange } }
    userErrors { field message code }
  }
}
"""

ORDER_FIELDS = """
  id legacyResourceId name email createdAt updatedAt cancelledAt displayFinancialStatus currencyCode
  totalPriceSet { shopMoney { amount currencyCode } }
  totalRefundedSet { shopMoney { amount currencyCode } }
  retailLocation { id }
"""

LINE_FIELDS = "id sku quantity variant { id } product { id } originalUnitPriceSet { shopMoney { amount } }"

ORDERS = f"""
query FlytOrders($first: Int!, $after: String, $query: String, $linesFirst: Int!) {{
  orders(first: $first, after: $after, query: $query, sortKey: ID) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{
      {ORDER_FIELDS}
      lineItems(first: $linesFirst) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {LINE_FIELDS} }} }}
    }}
  }}
}}
"""

ORDER_LINES = f"""
query FlytOrderLines($id: ID!, $first: Int!, $after: String) {{
  order(id: $id) {{
    lineItems(first: $first, after: $after) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {LINE_FIELDS} }} }}
  }}
}}
"""

CUSTOMERS = """
query FlytCustomers($first: Int!, $after: String, $query: String) {
  customers(first: $first, after: $after, query: $query) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id legacyResourceId firstName lastName state createdAt updatedAt
      defaultEmailAddress { emailAddress } defaultPhoneNumber { phoneNumber }
    }
  }
}
"""

WEBHOOKS = """
query FlytWebhooks($first: Int!, $after: String) {
  webhookSubscriptions(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id legacyResourceId topic uri format }
  }
}
"""

WEBHOOK_CREATE = """
mutation FlytWebhookCreate($topic: WebhookSubscriptionTopic!, $sub: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $sub) {
    webhookSubscription { id legacyResourceId topic uri }
    userErrors { field message }
  }
}
"""

WEBHOOK_DELETE = """
mutation FlytWebhookDelete($id: ID!) {
  webhookSubscriptionDelete(id: $id) { deletedWebhookSubscriptionId userErrors { field message } }
}
"""

# --- stock connector: levels with what linking needs (inventory item id, SKU, barcode, tracked) -------
STOCK_ITEM_FIELDS = "id sku tracked variants(first: 1) { nodes { id barcode product { id } } }"

STOCK_ITEMS = f"""
query FlytStockItems($ids: [ID!]!, $locations: Int!) {{
  nodes(ids: $ids) {{
    ... on InventoryItem {{
      {STOCK_ITEM_FIELDS}
      inventoryLevels(first: $locations) {{
        nodes {{ location {{ id }} quantities(names: ["available"]) {{ name quantity }} }}
      }}
    }}
  }}
}}
"""

STOCK_LOCATION_LEVELS = f"""
query FlytStockLocationLevels($id: ID!, $first: Int!, $after: String) {{
  location(id: $id) {{
    inventoryLevels(first: $first, after: $after) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{ item {{ {STOCK_ITEM_FIELDS} }} quantities(names: ["available"]) {{ name quantity }} }}
    }}
  }}
}}
"""

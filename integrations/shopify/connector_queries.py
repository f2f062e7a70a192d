"""The GraphQL documents of the Shopify product connector (Admin API 2026-10, ``SHOPIFY_API_VERSION``).

They read everything the connector writes, so that a product read back compares equal to what was written:
SEO, every image (``media``), and per variant the inventory item's cost (``unitCost``), weight
(``measurement.weight``) and tracking. None uses a field the 2026-10 schema marks deprecated.
"""

PRODUCT_FIELDS = """
  id title handle descriptionHtml vendor productType status tags updatedAt
  seo { title description }
  options { id name position values }
"""

VARIANT_FIELDS = """
  id sku barcode price position inventoryQuantity
  selectedOptions { name value }
  inventoryItem { id tracked unitCost { amount } measurement { weight { unit value } } }
"""

MEDIA = ("media(first: $mediaFirst) { pageInfo { hasNextPage endCursor } "
         "nodes { id ... on MediaImage { alt image { url altText } } } }")

PRODUCT_NODE = f"""
  {PRODUCT_FIELDS}
  {MEDIA}
  variants(first: $variantsFirst) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {VARIANT_FIELDS} }} }}
"""

PRODUCTS = f"""
query FlytConnectorProducts($first: Int!, $after: String, $query: String, $variantsFirst: Int!, $mediaFirst: Int!) {{
  products(first: $first, after: $after, query: $query, sortKey: ID) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{ {PRODUCT_NODE} }}
  }}
}}
"""

PRODUCTS_BY_ID = f"""
query FlytConnectorProductsById($ids: [ID!]!, $variantsFirst: Int!, $mediaFirst: Int!) {{
  nodes(ids: $ids) {{ ... on Product {{ {PRODUCT_NODE} }} }}
}}
"""

PRODUCT_VARIANTS = f"""
query FlytConnectorVariants($id: ID!, $first: Int!, $after: String) {{
  product(id: $id) {{
    variants(first: $first, after: $after) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ {VARIANT_FIELDS} }} }}
  }}
}}
"""

PRODUCT_MEDIA = """
query FlytConnectorMedia($id: ID!, $first: Int!, $after: String) {
  product(id: $id) {
    media(first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { id ... on MediaImage { alt image { url altText } } }
    }
  }
}
"""

EXISTING = """
query FlytConnectorExisting($ids: [ID!]!) {
  nodes(ids: $ids) { ... on Product { id } }
}
"""

# what an update needs to know of the products first: their options and variants (ids and option values)
CURRENT = """
query FlytConnectorCurrent($ids: [ID!]!, $variantsFirst: Int!) {
  nodes(ids: $ids) {
    ... on Product {
      id
      options { id name position values }
      variants(first: $variantsFirst) {
        pageInfo { hasNextPage endCursor }
        nodes { id sku position selectedOptions { name value } inventoryItem { id } }
      }
    }
  }
}
"""

CURRENT_VARIANTS = """
query FlytConnectorCurrentVariants($id: ID!, $first: Int!, $after: String) {
  product(id: $id) {
    variants(first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { id sku position selectedOptions { name value } inventoryItem { id } }
    }
  }
}
"""

FIND_VARIANTS = """
query FlytConnectorFind($first: Int!, $after: String, $query: String) {
  productVariants(first: $first, after: $after, query: $query) {
    pageInfo { hasNextPage endCursor }
    nodes { id sku barcode product { id } }
  }
}
"""

SHOP = """
query FlytConnectorShop {
  shop { currencyCode }
  locations(first: 50) { nodes { id name isActive } }
}
"""

# one ``productSet`` per product, several aliased into one request; the variants come back to give their ids
SET_FIELDS = """
  product {
    id
    variants(first: 250) {
      pageInfo { hasNextPage endCursor }
      nodes { id sku position selectedOptions { name value } inventoryItem { id } }
    }
  }
  userErrors { field message code }
"""

DELETE_FIELDS = "deletedProductId userErrors { field message }"

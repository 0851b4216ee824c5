global using System.Security.Claims;
global using CraftFlow.Caching;
global using Microsoft.AspNetCore.Http.HttpResults;

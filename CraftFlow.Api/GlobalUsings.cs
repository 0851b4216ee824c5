global using System.Security.Claims;
global using Microsoft.AspNetCore.Http.HttpResults;
